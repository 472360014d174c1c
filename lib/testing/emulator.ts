import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { readSegments } from './blob-store.ts';
import { type Env, serverNow } from './context.ts';
import { Faults } from './faults.ts';
import { isValidBucketName } from './names.ts';
import { loadIndex, saveIndex } from './persist.ts';
import { unparsableRequestResponse } from './respond.ts';
import { handleRequest, newRequestId } from './server.ts';
import { World } from './state.ts';
import { Stats } from './stats.ts';
import { DiskBlobStore } from './store-disk.ts';
import { MemoryBlobStore } from './store-memory.ts';
import { certificateNames, TestCertificateAuthority } from './tls.ts';
import type { Emulator, EmulatorCredential, EmulatorOptions } from './types.ts';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomText(length: number): string {
  return [...randomBytes(length)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
}

/** A throwaway key pair shaped like real ones (24-character id starting LTAI, 30-character secret). */
function generateCredential(): EmulatorCredential {
  return { accessKeyId: `LTAI${randomText(20)}`, accessKeySecret: randomText(30) };
}

function checkBucket(name: string): void {
  if (!isValidBucketName(name)) {
    throw new TypeError(
      `Invalid bucket name ${JSON.stringify(name)}: 3-63 of a-z, 0-9, '-', not starting or ending with '-'`,
    );
  }
}

function validate(options: EmulatorOptions): void {
  const { port, credentials, buckets } = options;
  if (options.tls !== undefined && typeof options.tls !== 'boolean') {
    throw new TypeError(`Invalid option "tls": expected a boolean, got ${typeof options.tls}`);
  }
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new TypeError(`Invalid option "port": expected an integer 0..65535, got ${String(port)}`);
  }
  for (const name of buckets ?? []) checkBucket(name);
  if (credentials !== undefined) {
    if (!Array.isArray(credentials) || credentials.length === 0) {
      throw new TypeError('Invalid option "credentials": expected a non-empty array');
    }
    for (const c of credentials) {
      if (
        !c ||
        typeof c.accessKeyId !== 'string' ||
        !c.accessKeyId ||
        typeof c.accessKeySecret !== 'string' ||
        !c.accessKeySecret
      ) {
        throw new TypeError(
          'Invalid option "credentials": every entry needs accessKeyId and accessKeySecret',
        );
      }
    }
  }
}

/** Start a local OSS emulator (what it checks and fakes: docs/emulator.md). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  validate(options);
  const host = options.host ?? '127.0.0.1';
  // V4 scopes carry the bare region id; accept the SDK spelling `oss-cn-hangzhou` too.
  const region = (options.region ?? 'cn-hangzhou').replace(/^oss-/, '');
  const credentials = options.credentials ?? [generateCredential()];
  const first = credentials[0]!;

  let store: MemoryBlobStore | DiskBlobStore;
  if (options.dir !== undefined) {
    const disk = new DiskBlobStore(options.dir);
    await disk.init();
    store = disk;
  } else {
    store = new MemoryBlobStore();
  }
  const world = new World(store);
  if (store instanceof DiskBlobStore) await loadIndex(world, store, options.dir!);
  for (const name of options.buckets ?? ['test-bucket']) world.createBucket(name);

  const baseHost = options.baseHost ?? 'localhost';
  const authority = options.tls ? await TestCertificateAuthority.create() : undefined;
  const issueCertificate = () => {
    const { names, ips } = certificateNames(host, baseHost, region, world.buckets.keys());
    return authority!.issue(names, ips);
  };
  let httpsServer: HttpsServer | undefined;
  // Certificates for new buckets are issued one after another, the last one covering all.
  let reissuing = Promise.resolve();
  const bucketCreated = (name: string): Promise<void> => {
    if (!httpsServer) return Promise.resolve();
    const issued = reissuing.then(async () => {
      if (!world.buckets.has(name)) return;
      httpsServer!.setSecureContext(await issueCertificate());
    });
    // One failed issue must not block the next ones; its caller still sees the failure.
    reissuing = issued.catch(() => undefined);
    return issued;
  };

  const clock = { offsetMs: 0 };
  const env: Env = {
    world,
    store,
    auth: {
      keys: new Map(credentials.map((c) => [c.accessKeyId, { ...c }])),
      region,
      now: () => Date.now() + clock.offsetMs,
    },
    baseHost,
    verifyContent: options.verifyContent ?? true,
    clock,
    stats: new Stats(),
    faults: new Faults(),
    scheme: authority ? 'https' : 'http',
    bucketCreated,
  };

  // No request timeout: a benchmark may stream one multi-GiB part for a long time.
  // insecureHTTPParser: OSS accepts a body framed by both Content-Length and chunked encoding
  // (the official SDK sends that); Node's strict parser refuses it. The lenient parser lets
  // chunked framing win. The emulator listens on loopback for tests only.
  const serverOptions = { requestTimeout: 0, keepAliveTimeout: 30_000, insecureHTTPParser: true };
  const listener: RequestListener = (req, res) => {
    // handleRequest answers every error itself; this only guards against a throw while answering.
    handleRequest(env, req, res).catch(() => res.destroy());
  };
  if (authority) {
    httpsServer = createHttpsServer({ ...serverOptions, ...(await issueCertificate()) }, listener);
  }
  const server = httpsServer ?? createHttpServer(serverOptions, listener);
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A request that cannot be parsed still gets an answer in the OSS format, not a bare reset.
    if (err.code !== 'ECONNRESET' && socket.writable) {
      const answer = unparsableRequestResponse(newRequestId(), serverNow(env), err.message);
      socket.end(answer);
    } else {
      socket.destroy();
    }
  });
  server.listen(options.port ?? 0, host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([err]) => {
      throw err;
    }),
  ]);
  const { port } = server.address() as AddressInfo;
  const hostPart = host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | undefined;
  return {
    endpoint: `${env.scheme}://${hostPart}:${port}`,
    ca: authority?.cert,
    region,
    credentials: { accessKeyId: first.accessKeyId, accessKeySecret: first.accessKeySecret },
    faults: env.faults,
    stats: env.stats,
    clock,
    createBucket(name: string) {
      checkBucket(name);
      world.createBucket(name);
      return bucketCreated(name);
    },
    listUploads: (bucket) => world.listUploads(bucket),
    headObject: (bucket, key) => world.objectInfo(bucket, key),
    async getObject(bucket, key) {
      const object = world.buckets.get(bucket)?.objects.get(key);
      if (!object) return undefined;
      const chunks: Buffer[] = [];
      for await (const chunk of readSegments(store, object.segments, 0, object.size))
        chunks.push(chunk);
      return Buffer.concat(chunks);
    },
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        if (options.dir !== undefined) await saveIndex(world, options.dir);
        await store.close();
      })();
      return closing;
    },
  };
}
