import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthPolicy } from './auth.ts';
import type { BlobStore } from './blob-store.ts';
import type { RequestBody } from './body.ts';
import type { Faults } from './faults.ts';
import type { World } from './state.ts';
import type { Stats } from './stats.ts';
import type { Target } from './target.ts';
import type { FaultRule, OperationName } from './types.ts';

/** Everything shared by all requests of one emulator. */
export interface Env {
  world: World;
  store: BlobStore;
  auth: AuthPolicy;
  baseHost: string;
  verifyContent: boolean;
  clock: { offsetMs: number };
  stats: Stats;
  faults: Faults;
  /** 'https' when serving TLS (Complete's Location uses it). */
  scheme: 'http' | 'https';
  /** Called after a bucket is created, so a TLS certificate can name its host. */
  bucketCreated(name: string): Promise<void>;
}

/** One request as the handlers see it. */
export interface RequestContext {
  env: Env;
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  method: string;
  target: Target;
  /** Lower-case names. */
  headers: Record<string, string>;
  query: Record<string, string>;
  operation: OperationName | undefined;
  bucket: string;
  /** Decoded key ('' for bucket-level operations). */
  key: string;
  partNumber: number | undefined;
  body: RequestBody;
  fault: FaultRule | undefined;
  /** Set when the emulator itself cut the connection (a fault), so it is not a client abort. */
  serverClosed: boolean;
}

export function serverNow(env: Env): Date {
  return new Date(Date.now() + env.clock.offsetMs);
}
