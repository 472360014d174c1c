import { OssClient } from '../client.ts';
import { connectionFrom, credentialsFromEnv } from './env-credentials.ts';

/** Flags every command that talks to OSS takes. */
export interface ConnectionFlags {
  endpoint?: string | undefined;
  region?: string | undefined;
  signatureVersion?: 'v1' | 'v4' | undefined;
  pathStyle?: boolean | undefined;
}

export interface Session {
  client: OssClient;
  /** Names of the variables the credentials came from (for messages, never their values). */
  credentialsFrom: string;
}

/**
 * A client for `bucket` from the flags and the environment. `onSecrets` is told the values to
 * scrub from output before anything can fail with them in reach.
 */
export function connect(
  bucket: string,
  flags: ConnectionFlags,
  env: Record<string, string | undefined>,
  onSecrets: (secrets: string[]) => void,
): Session {
  const connection = connectionFrom(flags, env);
  const credentials = credentialsFromEnv(env);
  onSecrets(credentials.secrets);
  const client = new OssClient({
    endpoint: connection.endpoint,
    bucket,
    region: connection.region,
    credentials: credentials.credentials,
    signatureVersion: flags.signatureVersion ?? 'v4',
    ...(flags.pathStyle ? { pathStyle: true } : {}),
  });
  return { client, credentialsFrom: credentials.from };
}

/**
 * `client.close()` with the event loop held open until it settles. After a failed upload the
 * close can be left waiting only on the library's unref'd hash workers; nothing then keeps the
 * process alive and the top-level await of the command-line entry point ends it with exit code 13 instead of the
 * command's own (seen in about one run in three with a bare `await client.close()`).
 */
export async function closeClient(client: OssClient | undefined): Promise<void> {
  if (!client) return;
  const hold = setInterval(() => {}, 60_000);
  try {
    await client.close();
  } finally {
    clearInterval(hold);
  }
}
