/**
 * The proxy example in a process of its own, for spec/scale.spec.ts: RSS measured here is the
 * proxy's alone (not the emulator's nor the load generator's), and the client's own accounting
 * (`client.stats()`) is sampled on every upload event. Driven over IPC:
 *
 *   → { type: 'idle' }            collect garbage, take the idle RSS, restart the peaks
 *   → { type: 'report' }          ← { type: 'report', report: RunnerReport }
 *   → { type: 'stop', mode }      ← { type: 'stopping', stats } once the server stopped accepting,
 *                                 ← { type: 'stopped', report } once proxy.stop() resolved;
 *                                   then the IPC channel closes and the process must exit alone.
 *
 * Started with the package name resolved to lib/ (see PACKAGE_HOOK in the spec), configured by
 * the environment variable PROXY_RUNNER_CONFIG (JSON: { client, upload }).
 */
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createProxyServer } from '../../examples/proxy-server.ts';
import type { StopMode } from '../../examples/upload-proxy.ts';
import { OssClient, type OssClientOptions, type UploadOptions } from '../../lib/index.ts';

export interface RunnerConfig {
  client: OssClientOptions;
  upload: UploadOptions;
}

export interface RunnerReport {
  /** RSS after a collection with no upload in flight, taken by 'idle'. */
  idleRss: number;
  /** Highest RSS seen since 'idle' (sampled every 25 ms), and the breakdown at that moment. */
  peakRss: number;
  atPeak: NodeJS.MemoryUsage | undefined;
  idle: NodeJS.MemoryUsage | undefined;
  /** Highest `client.stats()` values seen on upload events since 'idle'. */
  peakBytesHeld: number;
  peakBytesWaiting: number;
  peakUploadsInFlight: number;
  /** The client's own high-water mark (over the whole life of the process). */
  clientPeakBytesHeld: number;
  samples: number;
  /** The event loop's longest delay since 'idle', ms. */
  maxLoopDelayMs: number;
  stats: ReturnType<OssClient['stats']>;
  uploadsStarted: number;
  uploadsSucceeded: number;
  uploadsFailed: number;
}

export type RunnerRequest =
  | { type: 'idle' }
  | { type: 'report' }
  | { type: 'stop'; mode: StopMode };

const config = JSON.parse(process.env.PROXY_RUNNER_CONFIG ?? '{}') as RunnerConfig;
const client = new OssClient(config.client);
const counts = { uploadsStarted: 0, uploadsSucceeded: 0, uploadsFailed: 0 };
const peaks = { rss: 0, bytesHeld: 0, bytesWaiting: 0, uploadsInFlight: 0, samples: 0 };
let idleRss = 0;
let idle: NodeJS.MemoryUsage | undefined;

function sample(): void {
  const stats = client.stats();
  peaks.samples++;
  peaks.bytesHeld = Math.max(peaks.bytesHeld, stats.bytesHeld);
  peaks.bytesWaiting = Math.max(peaks.bytesWaiting, stats.bytesWaiting);
  peaks.uploadsInFlight = Math.max(peaks.uploadsInFlight, stats.uploadsInFlight);
}

const { server, proxy } = createProxyServer({
  client,
  upload: config.upload,
  onUpload(stream) {
    counts.uploadsStarted++;
    sample();
    stream.on('initiated', sample);
    stream.on('progress', sample);
    stream.on('part', sample);
    stream.once('close', () => {
      if (stream.result) counts.uploadsSucceeded++;
      else counts.uploadsFailed++;
      sample();
    });
  },
});

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

// RSS moves with allocations, not with events, and reading it costs a system call: a timer.
let atPeak: NodeJS.MemoryUsage | undefined;
const rssTimer = setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss > peaks.rss) {
    peaks.rss = rss;
    atPeak = process.memoryUsage();
  }
}, 25);

function report(): RunnerReport {
  const stats = client.stats();
  return {
    idleRss,
    peakRss: peaks.rss,
    atPeak,
    idle,
    peakBytesHeld: peaks.bytesHeld,
    peakBytesWaiting: peaks.bytesWaiting,
    peakUploadsInFlight: peaks.uploadsInFlight,
    clientPeakBytesHeld: stats.peakBytesHeld,
    samples: peaks.samples,
    maxLoopDelayMs: loopDelay.max / 1e6,
    stats,
    ...counts,
  };
}

process.on('message', (message: RunnerRequest) => {
  if (message.type === 'idle') {
    (globalThis as { gc?: () => void }).gc?.();
    idle = process.memoryUsage();
    idleRss = idle.rss;
    atPeak = idle;
    Object.assign(peaks, { rss: idleRss, bytesHeld: 0, bytesWaiting: 0, uploadsInFlight: 0 });
    loopDelay.reset();
    process.send?.({ type: 'idle', idleRss });
  } else if (message.type === 'report') {
    process.send?.({ type: 'report', report: report() });
  } else if (message.type === 'stop') {
    const stopped = proxy.stop(server, message.mode);
    process.send?.({ type: 'stopping', stats: client.stats() });
    stopped.then(() => {
      clearInterval(rssTimer);
      process.send?.({ type: 'stopped', report: report() }, () => process.disconnect());
    });
  }
});

server.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'listening', port: (server.address() as AddressInfo).port });
});
