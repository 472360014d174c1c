import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';
import type { CaOption, ClientAgents } from './client-options.ts';

/** Sockets per agent: enough for many uploads with high part concurrency. */
const MAX_SOCKETS = 256;

/**
 * http-proxy-agent rewrites the request path into an absolute URL through WHATWG URL, which
 * drops `.` and `..` segments; OSS keys may contain them and the signature covers them. Put
 * the raw path back behind the origin it computed.
 */
class RawPathHttpProxyAgent extends HttpProxyAgent<string> {
  override setRequestProps(
    req: Parameters<HttpProxyAgent<string>['setRequestProps']>[0],
    opts: Parameters<HttpProxyAgent<string>['setRequestProps']>[1],
  ): void {
    const raw = req.path;
    super.setRequestProps(req, opts);
    if (!raw.includes('://')) req.path = `${new URL(req.path).origin}${raw}`;
  }
}

export interface NetworkOptions {
  agent: ClientAgents | undefined;
  ca: CaOption | undefined;
  proxy: string | false | undefined;
}

/**
 * Chooses the agent for each request: the user's own agents when given; otherwise a proxy
 * agent when a proxy applies (the `proxy` option, or HTTPS_PROXY / HTTP_PROXY / NO_PROXY in
 * either case, read per request as Node's fetch does with NODE_USE_ENV_PROXY); otherwise the
 * client's keep-alive agents. Extra CAs are trusted in addition to Node's bundled roots.
 */
export class Network {
  readonly #given: ClientAgents | undefined;
  readonly #proxy: string | false | undefined;
  readonly #tls: { ca?: (string | Buffer)[] };
  #http: http.Agent | undefined;
  #https: https.Agent | undefined;
  readonly #proxies = new Map<string, http.Agent>();

  constructor(options: NetworkOptions) {
    this.#given = options.agent;
    this.#proxy = options.proxy;
    const extra = options.ca === undefined ? [] : [options.ca].flat();
    this.#tls = extra.length > 0 ? { ca: [...rootCertificates, ...extra] } : {};
  }

  /**
   * The CAs to trust, for the request options: proxy agents start TLS to the target with the
   * request's options, not their own.
   */
  get ca(): (string | Buffer)[] | undefined {
    return this.#tls.ca;
  }

  /** The agent for a request to `origin` (`https://bucket.host:port`). */
  agentFor(origin: string): http.Agent {
    const secure = origin.startsWith('https:');
    const given = secure ? this.#given?.https : this.#given?.http;
    if (given) return given;
    const proxy = this.#proxy === undefined ? getProxyForUrl(origin) : this.#proxy;
    if (proxy) return this.#proxyAgent(proxy, secure);
    if (secure) {
      this.#https ??= new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS, ...this.#tls });
      return this.#https;
    }
    this.#http ??= new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
    return this.#http;
  }

  #proxyAgent(proxy: string, secure: boolean): http.Agent {
    const id = `${secure ? 'https' : 'http'} ${proxy}`;
    let agent = this.#proxies.get(id);
    if (!agent) {
      const options = { keepAlive: true, maxSockets: MAX_SOCKETS, ...this.#tls };
      agent = secure
        ? new HttpsProxyAgent(proxy, options)
        : new RawPathHttpProxyAgent(proxy, options);
      this.#proxies.set(id, agent);
    }
    return agent;
  }

  /** Release the sockets of the agents this client made; the user's own agents are theirs. */
  destroy(): void {
    this.#http?.destroy();
    this.#https?.destroy();
    for (const agent of this.#proxies.values()) agent.destroy();
  }
}
