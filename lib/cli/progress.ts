import cliProgress from 'cli-progress';
import type { ProgressEvent, UploadStream } from '../upload-stream.ts';
import { formatBytes, formatClock, formatRate } from './units.ts';

/** `bar`: a live cli-progress bar (a terminal); `lines`: a plain line every few seconds
 * (logs, CI); `none`: silent (--json, --no-progress). */
export type ProgressMode = 'bar' | 'lines' | 'none';

export function progressMode(stream: { isTTY?: boolean }, enabled: boolean): ProgressMode {
  if (!enabled) return 'none';
  return stream.isTTY ? 'bar' : 'lines';
}

export interface ProgressOptions {
  mode: ProgressMode;
  /** Where progress goes: stderr, so stdout stays the result. */
  stream: NodeJS.WritableStream;
  /** Expected size for the display (ETA, percentage), even when the library is not told it. */
  total?: number | undefined;
  /** Shown before the status when the total is unknown; default 'uploading'. */
  verb?: string | undefined;
}

/** Rate over the last few seconds, so a stall shows as a falling rate, not a long average. */
const RATE_WINDOW_MS = 5000;
/** Progress events come per write; a sample every 100 ms is plenty for the rate. */
const SAMPLE_EVERY_MS = 100;
const LINE_EVERY_MS = 2000;

export class UploadProgress {
  readonly #options: ProgressOptions;
  readonly #startedAt = Date.now();
  readonly #samples: [number, number][] = [];
  #upload: UploadStream | undefined;
  #total: number | undefined;
  #uploaded = 0;
  #partsDone = 0;
  #bar: cliProgress.SingleBar | undefined;
  #timer: NodeJS.Timeout | undefined;
  #completed = false;

  constructor(options: ProgressOptions) {
    this.#options = options;
    this.#total = options.total;
  }

  /** Follow an upload stream: its progress events, parts done and parts in flight. */
  attach(upload: UploadStream): void {
    this.#upload = upload;
    upload.on('progress', (event: ProgressEvent) => this.#onProgress(event));
    upload.on('part', () => {
      this.#partsDone++;
    });
    this.start();
  }

  /** Start drawing; without attach(), feed it with update(). */
  start(): void {
    if (this.#options.mode === 'bar') {
      this.#bar = new cliProgress.SingleBar({
        stream: this.#options.stream,
        // The line is built from live state, so the 10 fps redraws keep rate, in-flight count
        // and times current even while no byte moves (a stalled part).
        format: (options) => this.#barLine(options),
        barsize: 24,
        barCompleteChar: '\u2588',
        barIncompleteChar: '\u2591',
        hideCursor: true,
        fps: 10,
      });
      this.#bar.start(1, 0);
    } else if (this.#options.mode === 'lines') {
      // Every period, moving or not: a stalled transfer shows as a falling rate.
      this.#timer = setInterval(() => this.#printLine(), LINE_EVERY_MS);
    }
  }

  /** Bytes transferred so far (for transfers other than an upload stream). */
  update(bytes: number): void {
    this.#onProgress({ bytesWritten: bytes, bytesUploaded: bytes });
  }

  #onProgress(event: ProgressEvent): void {
    this.#uploaded = event.bytesUploaded;
    this.#total ??= event.total;
    const now = Date.now();
    const last = this.#samples.at(-1);
    if (!last || now - last[0] >= SAMPLE_EVERY_MS) {
      this.#samples.push([now, event.bytesUploaded]);
      while (this.#samples.length > 2 && now - this.#samples[0]![0] > RATE_WINDOW_MS) {
        this.#samples.shift();
      }
    }
    // cli-progress throttles redraws itself; update() only has to say "something changed".
    this.#bar?.update(this.#fraction());
  }

  #fraction(): number {
    return this.#total ? Math.min(1, this.#uploaded / this.#total) : 0;
  }

  /** 100 only once the object exists: every byte can be sent while Complete is pending. */
  #percent(): number {
    return this.#completed ? 100 : Math.min(99, Math.floor(this.#fraction() * 100));
  }

  #rate(): number {
    const first = this.#samples[0];
    const now = Date.now();
    if (!first || now - first[0] < 250) {
      return this.#uploaded / Math.max(0.001, (now - this.#startedAt) / 1000);
    }
    // Up to now, not to the last sample: while nothing moves the rate falls.
    return (this.#uploaded - first[1]) / ((now - first[0]) / 1000);
  }

  /** "230.0 MiB / 512.0 MiB | 85.3 MiB/s | parts 27 done, 4 in flight | ETA 0:03" */
  #status(): string {
    const total = this.#total;
    const rate = this.#rate();
    const inFlight = this.#upload?.partsInFlight ?? 0;
    const size = total
      ? `${formatBytes(this.#uploaded)} / ${formatBytes(total)}`
      : formatBytes(this.#uploaded);
    const elapsed = (Date.now() - this.#startedAt) / 1000;
    let time = `elapsed ${formatClock(elapsed)}`;
    if (total && rate > 0 && this.#uploaded < total) {
      time = `ETA ${formatClock((total - this.#uploaded) / rate)}`;
    }
    const parts = this.#upload ? ` | parts ${this.#partsDone} done, ${inFlight} in flight` : '';
    return `${size} | ${formatRate(rate)}${parts} | ${time}`;
  }

  #barLine(options: cliProgress.Options): string {
    if (!this.#total) return `${this.#options.verb ?? 'uploading'} ${this.#status()}`;
    const bar = cliProgress.Format.BarFormat(this.#fraction(), options);
    return `${bar} ${String(this.#percent()).padStart(3)}% | ${this.#status()}`;
  }

  #printLine(): void {
    const percent = this.#total ? `${this.#percent()}% ` : '';
    this.#options.stream.write(`progress: ${percent}${this.#status()}\n`);
  }

  /** The object exists: show the final state (100%) and end the bar's line. */
  complete(size: number): void {
    this.#uploaded = size;
    this.#total = size;
    this.#completed = true;
    this.stop(true);
  }

  /** Stop drawing; `final` prints the last state once more (a failed upload only ends the bar). */
  stop(final = false): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#bar) {
      if (final) this.#bar.update(1);
      this.#bar.stop();
      this.#bar = undefined;
    } else if (final && this.#options.mode === 'lines') {
      this.#printLine();
    }
  }
}
