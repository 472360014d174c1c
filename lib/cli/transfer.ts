import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { UploadResult, UploadStream } from '../upload-stream.ts';
import { ExitCode } from './exit-codes.ts';

/**
 * `pipeline(source, ...taps, upload)`, failing with the upload stream's own error (an
 * OssUploadError saying what became of the upload; pipeline may report the source's error and
 * `upload.errored` keeps the first cause) and only once the stream has closed: by then the
 * in-flight requests are cancelled and AbortMultipartUpload has been answered.
 */
export async function pipeUpload(
  source: Readable,
  taps: Transform[],
  upload: UploadStream,
): Promise<UploadResult> {
  let emitted: unknown;
  const onError = (error: unknown) => {
    emitted = error;
  };
  upload.on('error', onError);
  try {
    await pipeline([source, ...taps, upload]);
  } catch (error) {
    if (!upload.closed) await new Promise<void>((resolve) => upload.once('close', () => resolve()));
    throw emitted ?? error;
  } finally {
    upload.off('error', onError);
  }
  return upload.result!;
}

const SIGNAL_EXIT = { SIGINT: ExitCode.Interrupted, SIGTERM: ExitCode.Terminated } as const;
export type HandledSignal = keyof typeof SIGNAL_EXIT;

export interface Interrupt {
  /** Pass to the upload: aborting it cancels the parts and aborts the upload on the server. */
  signal: AbortSignal;
  /** The signal received, if any, and the exit code it calls for. */
  readonly received: HandledSignal | undefined;
  readonly exitCode: number | undefined;
  dispose(): void;
}

/**
 * Turn SIGINT/SIGTERM into an abort instead of an instant exit, so the upload is cleaned up
 * on the server first. `onFirst` runs before the abort (stop the progress bar, say why).
 * A second signal quits at once.
 */
export function trapInterrupts(onFirst: (signal: HandledSignal) => void): Interrupt {
  const controller = new AbortController();
  let received: HandledSignal | undefined;
  const handler = (signal: HandledSignal) => {
    if (received) process.exit(SIGNAL_EXIT[signal]);
    received = signal;
    onFirst(signal);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    get exitCode() {
      return received && SIGNAL_EXIT[received];
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
