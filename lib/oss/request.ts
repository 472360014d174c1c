/**
 * The one path every request takes: admit the call (close/destroy), then per attempt get the
 * credentials (bounded), sign with the server's clock, send, and on failure redact secrets,
 * repair what can be repaired (clock skew, expired token) and retry under the limits.
 */
import type { Credentials } from './signing/types.ts';
import { validateRetryOptions } from '../validate.ts';
import type { ResolvedClientOptions } from './client-options.ts';
import { CallDiagnostics } from './diagnostics.ts';
import { buildTarget } from './endpoint.ts';
import { abortReason, type HttpRequest, type HttpResponse, openStream, sendOnce } from './http.ts';
import { CallRegistry, type CallTicket } from './lifecycle.ts';
import type { Network } from './network.ts';
import { Redactor } from './redact.ts';
import { CallRepairs, ServerClock } from './repair.ts';
import { type RetryOptions, withRetry } from './retry.ts';
import { signV1, signV4 } from './signing/index.ts';
import type { RequestBody } from './types.ts';

export interface RequestSpec {
  operation: string;
  method: string;
  key?: string | undefined;
  query?: Record<string, string> | undefined;
  /** Request headers, names in any case. */
  headers?: Record<string, string> | undefined;
  body?: RequestBody | undefined;
  signal?: AbortSignal | undefined;
  /** Per-call limits; the ones not given are the client's. */
  retry?: Partial<RetryOptions> | undefined;
  onAttempt?: ((attemptNumber: number) => void) | undefined;
  onUploadProgress?: ((bytesSent: number) => void) | undefined;
  /** Part of a call already in flight (let through while close() waits for that call). */
  nested?: boolean | undefined;
}

export interface OpenedBody {
  status: number;
  headers: Record<string, string | undefined>;
  stream: import('node:stream').Readable;
}

function lowerCaseHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) out[name.toLowerCase()] = value;
  return out;
}

export class RequestPath {
  readonly clock = new ServerClock();
  readonly calls = new CallRegistry();
  readonly #options: ResolvedClientOptions;
  readonly #network: Network;
  readonly #redactors = new WeakMap<Credentials, Redactor>();

  constructor(options: ResolvedClientOptions, network: Network) {
    this.#options = options;
    this.#network = network;
  }

  /**
   * Send with a buffered answer, read by `read` within the attempt: what it throws fails the
   * attempt like an error answer would (and is retried only if the policy says so).
   */
  async send(spec: RequestSpec): Promise<HttpResponse>;
  async send<T>(spec: RequestSpec, read: (response: HttpResponse) => T): Promise<T>;
  async send<T>(spec: RequestSpec, read?: (response: HttpResponse) => T): Promise<T> {
    const { result, ticket } = await this.#call(spec, async (request) => {
      const response = await sendOnce(this.#network, request);
      return { status: response.status, value: read ? read(response) : (response as T) };
    });
    ticket.leave();
    return result;
  }

  /** Send with a streamed answer; the call stays in flight until the body is closed. */
  async open(spec: RequestSpec): Promise<OpenedBody> {
    const { result, ticket } = await this.#call(spec, async (request) => {
      const opened = await openStream(this.#network, request);
      return { status: opened.status, value: opened };
    });
    if (result.stream.closed) ticket.leave();
    else result.stream.once('close', () => ticket.leave());
    return result;
  }

  async #call<T>(
    spec: RequestSpec,
    send: (request: HttpRequest) => Promise<{ status: number; value: T }>,
  ): Promise<{ result: T; ticket: CallTicket }> {
    const policy = validateRetryOptions(spec.retry, 'retry', this.#options.retry);
    const ticket = this.calls.enter(spec.operation, spec.signal, spec.nested);
    const repairs = new CallRepairs(this.clock, this.#options.credentials);
    const diagnostics = new CallDiagnostics({
      operation: spec.operation,
      method: spec.method,
      bucket: this.#options.bucket,
      key: spec.key,
    });
    try {
      const result = await withRetry(
        async (attempt) => {
          diagnostics.attemptStarted(attempt);
          let credentials: Credentials | undefined;
          try {
            credentials = await this.#options.credentials.get({
              signal: ticket.signal,
              timeoutMs: this.#options.timeoutMs,
            });
            repairs.signedWith = credentials;
            const request = this.#sign(spec, credentials, ticket.signal);
            // From here the attempt may reach the server (an Initiate may create an upload).
            spec.onAttempt?.(attempt);
            const answer = await send(request);
            diagnostics.attemptEnded(answer.status);
            return answer.value;
          } catch (error) {
            const safe = credentials ? this.#redactor(credentials).error(error) : error;
            diagnostics.attemptFailed(safe);
            throw safe;
          }
        },
        policy,
        {
          signal: ticket.signal,
          repair: (error) => repairs.repair(error),
          onRetry: (error, attempt, delayMs) => diagnostics.retrying(error, attempt, delayMs),
        },
      );
      return { result, ticket };
    } catch (error) {
      ticket.leave();
      if (ticket.signal.aborted) throw abortReason(ticket.signal);
      throw error;
    }
  }

  #redactor(credentials: Credentials): Redactor {
    let redactor = this.#redactors.get(credentials);
    if (!redactor) {
      redactor = new Redactor([credentials.accessKeySecret, credentials.securityToken]);
      this.#redactors.set(credentials, redactor);
    }
    return redactor;
  }

  /** Every attempt is signed afresh: a new date, the current credentials. */
  #sign(spec: RequestSpec, credentials: Credentials, signal: AbortSignal): HttpRequest {
    const options = this.#options;
    const query = spec.query ?? {};
    const signable = {
      method: spec.method,
      bucket: options.bucket,
      key: spec.key,
      query,
      headers: lowerCaseHeaders(spec.headers),
    };
    const now = this.clock.now();
    if (options.signatureVersion === 'v4') {
      signV4(signable, credentials, now, options.region as string);
    } else {
      signV1(signable, credentials, now);
    }
    return {
      operation: spec.operation,
      method: spec.method,
      target: buildTarget(options.endpoint, options.pathStyle, options.bucket, spec.key, query),
      headers: signable.headers,
      body: spec.body,
      signal,
      timeoutMs: options.timeoutMs,
      onUploadProgress: spec.onUploadProgress,
    };
  }
}
