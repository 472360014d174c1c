/**
 * The HTTP layer a production user configures: extra CAs for HTTPS, their own agents, and
 * proxies — the `proxy` option, or HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment.
 * A plain forwarding proxy and a CONNECT proxy run on 127.0.0.1 in the spec and count what
 * passes through them; the emulator serves HTTP and, for these specs, HTTPS.
 */
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OssNetworkError } from '../lib/errors.ts';
import { OssTransport } from '../lib/oss/transport.ts';
import { type Emulator, startEmulator } from '../lib/testing/index.ts';
import { BUCKET } from './helpers/oss.ts';

interface Proxy {
  url: string;
  /** Absolute-form request targets (plain HTTP proxying). */
  forwarded: string[];
  /** CONNECT authorities (tunnels). */
  tunnels: string[];
  close(): Promise<void>;
}

/** A forwarding proxy for http:// targets and a CONNECT tunnel for https:// ones. */
async function startProxy(): Promise<Proxy> {
  const forwarded: string[] = [];
  const tunnels: string[] = [];
  const server = http.createServer((req, res) => {
    const target = new URL(req.url ?? '');
    forwarded.push(req.url ?? '');
    // The raw path, as received: WHATWG URL would drop dot segments.
    const path = (req.url ?? '').slice(target.origin.length) || '/';
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwarded,
    tunnels,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let plain: Emulator;
let secure: Emulator;
let proxy: Proxy;
const transports: OssTransport[] = [];
beforeAll(async () => {
  [plain, secure, proxy] = await Promise.all([
    startEmulator({ buckets: [BUCKET] }),
    startEmulator({ buckets: [BUCKET], tls: true }),
    startProxy(),
  ]);
});
afterAll(async () => {
  for (const t of transports) t.destroy();
  await Promise.all([plain.close(), secure.close(), proxy.close()]);
});

const ENV_NAMES = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
];
const savedEnv = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));
function setEnv(values: Record<string, string>): void {
  for (const name of ENV_NAMES) delete process.env[name];
  Object.assign(process.env, values);
}
afterEach(() => {
  for (const name of ENV_NAMES) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  proxy.forwarded.length = 0;
  proxy.tunnels.length = 0;
});

function transport(emulator: Emulator, options: Record<string, unknown> = {}): OssTransport {
  const t = new OssTransport({
    endpoint: emulator.endpoint,
    bucket: BUCKET,
    region: emulator.region,
    credentials: emulator.credentials,
    retry: { maxAttempts: 1 },
    ...options,
  });
  transports.push(t);
  return t;
}

async function roundTrip(t: OssTransport, key: string): Promise<void> {
  const data = Buffer.from(`content of ${key}`);
  await t.putObject(key, data);
  expect(await t.getObjectBuffer(key)).toEqual(data);
}

describe('HTTPS and the ca option', () => {
  it('an endpoint whose certificate is not trusted fails with OssNetworkError', async () => {
    setEnv({});
    const error = await transport(secure)
      .putObject('untrusted', Buffer.from('x'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OssNetworkError);
  });

  it('with the authority in `ca` the same endpoint works', async () => {
    setEnv({});
    expect(secure.endpoint).toMatch(/^https:/);
    await roundTrip(transport(secure, { ca: secure.ca }), 'trusted');
  });
});

describe('virtual-hosted style over HTTPS', () => {
  it('reaches <bucket>.localhost through an agent of your own that resolves it', async () => {
    setEnv({});
    // *.localhost names do not resolve everywhere; the agent option lets the user decide.
    const agent = new https.Agent({
      keepAlive: true,
      lookup: (_host, options, callback) => {
        if ((options as { all?: boolean }).all)
          callback(null, [{ address: '127.0.0.1', family: 4 }]);
        else (callback as (e: null, a: string, f: number) => void)(null, '127.0.0.1', 4);
      },
    });
    const port = new URL(secure.endpoint).port;
    const t = transport(secure, {
      endpoint: `https://localhost:${port}`,
      pathStyle: false,
      ca: secure.ca,
      agent: { https: agent },
    });
    await roundTrip(t, 'virtual/hosted');
    agent.destroy();
  });
});

describe('the proxy option', () => {
  it('sends http:// requests through a forwarding proxy, raw paths intact', async () => {
    setEnv({});
    const t = transport(plain, { proxy: proxy.url });
    await roundTrip(t, 'via-proxy/a/../b/./c');
    expect(proxy.forwarded.length).toBe(2);
    expect(proxy.forwarded[0]).toContain('/via-proxy/a/../b/./c');
  });

  it('tunnels https:// requests through CONNECT', async () => {
    setEnv({});
    const t = transport(secure, { proxy: proxy.url, ca: secure.ca });
    await roundTrip(t, 'via-tunnel');
    expect(proxy.tunnels).toContain(new URL(secure.endpoint).host);
    expect(proxy.forwarded).toEqual([]);
  });

  it('false ignores the environment', async () => {
    setEnv({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url });
    await roundTrip(transport(plain, { proxy: false }), 'no-proxy');
    await roundTrip(transport(secure, { proxy: false, ca: secure.ca }), 'no-proxy');
    expect(proxy.forwarded).toEqual([]);
    expect(proxy.tunnels).toEqual([]);
  });
});

describe('proxies from the environment', () => {
  it.each(['HTTP_PROXY', 'http_proxy'])('%s carries http:// requests', async (name) => {
    setEnv({ [name]: proxy.url });
    await roundTrip(transport(plain), `env/${name}`);
    expect(proxy.forwarded.length).toBe(2);
  });

  it.each(['HTTPS_PROXY', 'https_proxy'])('%s tunnels https:// requests', async (name) => {
    setEnv({ [name]: proxy.url });
    await roundTrip(transport(secure, { ca: secure.ca }), `env/${name}`);
    expect(proxy.tunnels.length).toBeGreaterThan(0);
  });

  it('HTTPS_PROXY does not apply to http:// endpoints', async () => {
    setEnv({ HTTPS_PROXY: proxy.url });
    await roundTrip(transport(plain), 'env/https-only');
    expect(proxy.forwarded).toEqual([]);
  });

  it.each(['NO_PROXY', 'no_proxy'])('%s lists hosts reached directly', async (name) => {
    setEnv({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, [name]: 'localhost,127.0.0.1' });
    await roundTrip(transport(plain), `env/${name}`);
    await roundTrip(transport(secure, { ca: secure.ca }), `env/${name}`);
    expect(proxy.forwarded).toEqual([]);
    expect(proxy.tunnels).toEqual([]);
  });
});

describe('the agent option', () => {
  it('sends every request through the agents given, which close() and destroy() leave alone', async () => {
    setEnv({ HTTP_PROXY: proxy.url });
    let connections = 0;
    class CountingAgent extends http.Agent {
      override createConnection(...args: Parameters<http.Agent['createConnection']>) {
        connections++;
        return super.createConnection(...args);
      }
    }
    const agent = new CountingAgent({ keepAlive: true });
    const t = transport(plain, { agent: { http: agent } });
    await roundTrip(t, 'own-agent');
    expect(connections).toBeGreaterThan(0);
    expect(proxy.forwarded).toEqual([]);
    await t.close();
    // Still usable: the user's agent is destroyed neither by close() nor by destroy().
    const second = transport(plain, { agent: { http: agent } });
    await roundTrip(second, 'own-agent-2');
    second.destroy();
    await roundTrip(transport(plain, { agent: { http: agent } }), 'own-agent-3');
    agent.destroy();
  });
});
