import diagnosticsChannel from 'node:diagnostics_channel';

/**
 * Request events on node:diagnostics_channel, for logging and tracing. Payloads name the
 * operation and the object, never a header, a credential or a body. One event per attempt.
 */
export const CHANNELS = {
  /** An attempt is about to be signed and sent. */
  start: 'oss-multipart-stream:request:start',
  /** An attempt got an answer the transport accepted (status 2xx). */
  end: 'oss-multipart-stream:request:end',
  /** An attempt failed (any error, before or after an answer). */
  error: 'oss-multipart-stream:request:error',
  /** A failed attempt will be followed by another after `delayMs`. */
  retry: 'oss-multipart-stream:request:retry',
} as const;

export interface RequestEvent {
  operation: string;
  method: string;
  bucket: string;
  /** The object key, when the operation has one. */
  key: string | undefined;
  /** 1-based attempt number within the call. */
  attempt: number;
}

export interface RequestEndEvent extends RequestEvent {
  status: number;
  durationMs: number;
}

export interface RequestErrorEvent extends RequestEvent {
  /** HTTP status, when an answer arrived. */
  status: number | undefined;
  durationMs: number;
  /** Our error code (ERR_OSS_*), and the OSS error code when the server sent one. */
  errorCode: string | undefined;
  ossCode: string | undefined;
}

export interface RequestRetryEvent extends RequestEvent {
  delayMs: number;
  errorCode: string | undefined;
  ossCode: string | undefined;
}

const start = diagnosticsChannel.channel(CHANNELS.start);
const end = diagnosticsChannel.channel(CHANNELS.end);
const error = diagnosticsChannel.channel(CHANNELS.error);
const retry = diagnosticsChannel.channel(CHANNELS.retry);

function codesOf(err: unknown): { errorCode: string | undefined; ossCode: string | undefined } {
  const e = err as { code?: unknown; ossCode?: unknown } | null;
  return {
    errorCode: typeof e?.code === 'string' ? e.code : undefined,
    ossCode: typeof e?.ossCode === 'string' ? e.ossCode : undefined,
  };
}

/** Publishes the events of one call; payloads are only built when someone listens. */
export class CallDiagnostics {
  readonly #base: Omit<RequestEvent, 'attempt'>;
  #attempt = 0;
  #startedAt = 0;

  constructor(base: Omit<RequestEvent, 'attempt'>) {
    this.#base = base;
  }

  attemptStarted(attempt: number): void {
    this.#attempt = attempt;
    this.#startedAt = performance.now();
    if (start.hasSubscribers) start.publish({ ...this.#base, attempt });
  }

  attemptEnded(status: number): void {
    if (!end.hasSubscribers) return;
    const event: RequestEndEvent = {
      ...this.#base,
      attempt: this.#attempt,
      status,
      durationMs: performance.now() - this.#startedAt,
    };
    end.publish(event);
  }

  attemptFailed(err: unknown): void {
    if (!error.hasSubscribers) return;
    const status = (err as { status?: unknown } | null)?.status;
    const event: RequestErrorEvent = {
      ...this.#base,
      attempt: this.#attempt,
      status: typeof status === 'number' ? status : undefined,
      durationMs: performance.now() - this.#startedAt,
      ...codesOf(err),
    };
    error.publish(event);
  }

  retrying(err: unknown, attempt: number, delayMs: number): void {
    if (!retry.hasSubscribers) return;
    const event: RequestRetryEvent = { ...this.#base, attempt, delayMs, ...codesOf(err) };
    retry.publish(event);
  }
}
