/**
 * The project's emulator on its fast path (`verifyContent: false`: bodies are streamed, counted
 * and kept in memory, not verified), behind the same control port as the sink, with the sink's
 * credentials and region: the integrity case of the benchmark runs against it.
 */
import { startEmulator } from '../../lib/testing/index.ts';
import { closeServer, type RunningServer, startControl } from './control.ts';
import { SINK_CREDENTIALS, SINK_REGION } from './sink.ts';

export async function startEmulatorFastPath(buckets: string[]): Promise<
  RunningServer & {
    credentials: { accessKeyId: string; accessKeySecret: string };
    region: string;
  }
> {
  const emulator = await startEmulator({
    buckets,
    verifyContent: false,
    credentials: [SINK_CREDENTIALS],
    region: SINK_REGION,
  });
  const control = await startControl(
    () => ({}),
    (bucket, key) => {
      const info = emulator.headObject(bucket, key);
      if (!info) return undefined;
      const partCount = Number(/-(\d+)"?$/.exec(info.etag)?.[1] ?? 1);
      return { size: info.size, etag: info.etag, partCount };
    },
  );
  return {
    endpoint: emulator.endpoint,
    control: control.url,
    credentials: emulator.credentials,
    region: emulator.region,
    async close() {
      await Promise.all([emulator.close(), closeServer(control.server)]);
    },
  };
}
