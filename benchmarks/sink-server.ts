/**
 * The benchmark's server as a child process of the harness: `node benchmarks/sink-server.ts
 * [--emulator] [--bucket NAME]...` prints one JSON line ({ kind, endpoint, control, region,
 * credentials }) and serves until its stdin closes (the harness went away, even if killed) or
 * it gets SIGTERM. The data plane is the neutral sink (sink/sink.ts), or with `--emulator` the
 * project's emulator on its fast path (sink/emulator-fast-path.ts; OSS dialect only).
 */
import { parseArgs } from 'node:util';
import type { ServerInfo } from './shared/contender-config.ts';
import type { RunningServer } from './sink/control.ts';
import { SINK_CREDENTIALS, SINK_REGION, startSink } from './sink/sink.ts';

const { values } = parseArgs({
  options: {
    emulator: { type: 'boolean', default: false },
    bucket: { type: 'string', multiple: true, default: ['bench-bucket'] },
  },
});

let running: RunningServer;
if (values.emulator) {
  const { startEmulatorFastPath } = await import('./sink/emulator-fast-path.ts');
  running = await startEmulatorFastPath(values.bucket);
} else {
  running = await startSink();
}

const stop = () => {
  running.close().finally(() => process.exit(0));
  // Bounded: a connection that will not close does not keep the server alive.
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('data', () => {});
process.stdin.once('end', stop);
process.stdin.once('close', stop);

const info: ServerInfo = {
  kind: values.emulator ? 'emulator-fast-path' : 'sink',
  endpoint: running.endpoint,
  control: running.control,
  region: SINK_REGION,
  credentials: SINK_CREDENTIALS,
};
console.log(JSON.stringify(info));
