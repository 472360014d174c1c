/**
 * Child processes of the harness: the server (sink or emulator) and one contender per run.
 * Every child is tracked and killed on exit, on a signal or on failure; every wait is bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type ContenderConfig,
  type ContenderResult,
  RESULT_MARKER,
  type ServerInfo,
} from '../shared/contender-config.ts';

const live = new Set<ChildProcess>();

/** Kill every child still running (synchronous: safe in an 'exit' handler). */
export function killAllChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Keep the last `limit` characters of a stream (stderr of a child, for error reports). */
function tail(limit: number) {
  let text = '';
  return {
    push(chunk: Buffer) {
      text = (text + chunk.toString('utf8')).slice(-limit);
    },
    get text() {
      return text;
    },
  };
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export interface ServerProcess {
  info: ServerInfo;
  pid: number;
  stats(): Promise<{ cpuSeconds: number; counters: Record<string, number> }>;
  stop(): Promise<void>;
}

/** Start the sink (or the emulator's fast path) in a child; resolves once it listens. */
export async function startServer(kind: 'sink' | 'emulator'): Promise<ServerProcess> {
  const args = [here('../sink-server.ts'), ...(kind === 'emulator' ? ['--emulator'] : [])];
  // stdin stays a pipe: when the harness goes away, even killed, the server sees it close.
  const child = track(spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] }));
  const errors = tail(4000);
  child.stderr?.on('data', (chunk: Buffer) => errors.push(chunk));
  const info = await new Promise<ServerInfo>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      reject(new Error(`${kind} did not start within 20 s: ${errors.text}`));
    }, 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line) as ServerInfo);
        } catch (error) {
          reject(error);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${kind} exited with ${code}: ${errors.text}`));
    });
  });
  return {
    info,
    pid: child.pid ?? 0,
    async stats() {
      const response = await fetch(`${info.control}/stats`, {
        signal: AbortSignal.timeout(10_000),
      });
      return (await response.json()) as { cpuSeconds: number; counters: Record<string, number> };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface ContenderOutcome {
  result: ContenderResult | undefined;
  error: string | undefined;
  wallSeconds: number;
}

/**
 * Run one contender script in its own process and read its one-line JSON result.
 * `nodeArgs` go before the script (e.g. --cpu-prof). Killed after `timeoutMs`.
 */
export function runContender(
  script: string,
  config: ContenderConfig,
  timeoutMs: number,
  nodeArgs: string[] = [],
): Promise<ContenderOutcome> {
  const start = process.hrtime.bigint();
  const child = track(
    spawn(
      process.execPath,
      [...nodeArgs, here(`../contenders/${script}.ts`), JSON.stringify(config)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  const errors = tail(3000);
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out = (out + chunk.toString('utf8')).slice(-1_000_000);
  });
  child.stderr?.on('data', (chunk: Buffer) => errors.push(chunk));
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      let result: ContenderResult | undefined;
      if (line) {
        try {
          result = JSON.parse(line.slice(RESULT_MARKER.length)) as ContenderResult;
        } catch {
          result = undefined;
        }
      }
      let error: string | undefined;
      if (timedOut) error = `timed out after ${Math.round(timeoutMs / 1000)} s`;
      else if (!result && code === 13) {
        // Node's exit code for a top-level await that never settled with nothing left to run.
        error =
          'hung: exited with 13, the upload never settled and nothing was left to run (no timer, socket or worker)';
      } else if (!result) {
        const last = errors.text.trim().split('\n').filter(Boolean);
        // The thrown error's own line ("OssOptionError: …"), not the source line above it.
        const message =
          last.find((l) => /^\s*(\w+Error|Error)( \[\w+\])?: /.test(l)) ??
          last.find((l) => /Error|error:/.test(l)) ??
          last.at(-1) ??
          '';
        error = `exited with ${code ?? signal} without a result: ${message.slice(0, 300)}`;
      } else if (!result.verified) error = 'the server did not receive every byte';
      resolve({ result, error, wallSeconds });
    });
  });
}
