/**
 * The body of every contender script: read the configuration, set up (untimed), run (timed),
 * check with the server that every byte arrived, print one JSON result line, exit.
 *
 * Each contender runs in its own process, so its RSS high-water mark is the peak of that one
 * run (module loading included; `baselineRssBytes` is the resident size just before the timed
 * part) and `process.cpuUsage()` covers every thread of the client (hash workers included). The
 * clock runs from the first byte asked of the source to the upload's completion; client
 * creation, module loading and the check afterwards are outside it. Before the clock starts,
 * every contender uploads one small multipart object (`warmUpKey`): connections, lazily started
 * threads (this library's hash workers) and the JIT are then in the steady state a long-lived
 * process has, and `baselineRssBytes` includes them.
 */
import { readFileSync } from 'node:fs';
import {
  type ContenderConfig,
  type ContenderResult,
  keysOf,
  RESULT_MARKER,
} from './contender-config.ts';

/**
 * Peak resident set size of this process. On Linux the high-water mark of its own memory
 * (VmHWM): `resourceUsage().maxRSS` is not usable in a child, as Linux carries the parent's
 * RSS at fork over into the child's maxRSS across exec (measured: a child of a 300 MiB parent
 * reported 304 MiB with 41 MiB resident).
 */
export function peakRssBytes(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const match = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

async function fetchJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: await response.json() };
}

/** Does the server hold a completed object of `bytes` bytes under each key? */
export async function verifyObjects(
  config: ContenderConfig,
  keys: string[],
): Promise<{ verified: boolean; objects: unknown[] }> {
  const objects: unknown[] = [];
  let verified = true;
  for (const key of keys) {
    const query = new URLSearchParams({ bucket: config.bucket, key });
    const { status, body } = await fetchJson(`${config.server.control}/object?${query}`);
    objects.push(body);
    if (status !== 200 || (body as { size?: number }).size !== config.bytes) verified = false;
  }
  return { verified, objects: objects.slice(0, 4) };
}

/** The timed part of a contender; what it returns goes into the result's `details`. */
export type Run = () => Promise<Record<string, unknown> | undefined>;

/** Run a contender script: `setup` gets the configuration and returns the timed function. */
export async function contender(
  name: string,
  setup: (config: ContenderConfig) => Promise<Run>,
): Promise<void> {
  const arg = process.argv[2];
  if (!arg) throw new Error(`usage: node ${process.argv[1]} '<config JSON>'`);
  const config = JSON.parse(arg) as ContenderConfig;
  const run = await setup(config);
  const baselineRssBytes = process.memoryUsage.rss();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const details = (await run()) ?? {};
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const peakRss = peakRssBytes();
  const keys = keysOf(config);
  const check =
    details.verified === undefined
      ? await verifyObjects(config, keys)
      : { verified: details.verified === true, objects: [] };
  const bytes = config.bytes * keys.length;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const result: ContenderResult = {
    contender: name,
    bytes,
    uploads: keys.length,
    seconds,
    mbps: bytes / 1e6 / seconds,
    peakRssBytes: peakRss,
    baselineRssBytes,
    cpuSeconds,
    cpuSecondsPerGiB: cpuSeconds / (bytes / 2 ** 30),
    verified: check.verified,
    details: { ...details, objects: check.objects },
  };
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
  // Keep-alive sockets and idle workers must not hold the process (and the harness) open.
  process.exit(check.verified ? 0 : 3);
}
