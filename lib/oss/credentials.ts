import { OssCredentialsError, OssOptionError } from '../errors.ts';
import type { Credentials } from './signing/types.ts';

/** Static credentials, or an async function that returns current ones (e.g. refreshed STS). */
export type CredentialsOption = Credentials | (() => Credentials | Promise<Credentials>);

function checkCredentials(value: unknown, where: string): Credentials {
  if (value === null || typeof value !== 'object') {
    throw new OssCredentialsError(`${where}: expected { accessKeyId, accessKeySecret }`);
  }
  const { accessKeyId, accessKeySecret, securityToken } = value as Record<string, unknown>;
  if (typeof accessKeyId !== 'string' || accessKeyId === '') {
    throw new OssCredentialsError(`${where}: accessKeyId must be a non-empty string`);
  }
  if (typeof accessKeySecret !== 'string' || accessKeySecret === '') {
    throw new OssCredentialsError(`${where}: accessKeySecret must be a non-empty string`);
  }
  if (securityToken !== undefined && (typeof securityToken !== 'string' || securityToken === '')) {
    throw new OssCredentialsError(`${where}: securityToken must be a non-empty string when set`);
  }
  return { accessKeyId, accessKeySecret, securityToken };
}

/**
 * Resolves credentials for each request attempt. A provider is called again after
 * `invalidate()` (an expired STS token); otherwise its last answer is reused for `cacheMs`,
 * so a provider that fetches from a metadata service is not called once per part.
 */
export class CredentialsSource {
  readonly #provider: (() => Credentials | Promise<Credentials>) | undefined;
  readonly #cacheMs: number;
  #current: Credentials | undefined;
  #fetchedAt = 0;
  #pending: Promise<Credentials> | undefined;

  constructor(option: unknown, cacheMs = 60_000) {
    if (typeof option === 'function') {
      this.#provider = option as () => Credentials | Promise<Credentials>;
    } else if (option === undefined) {
      throw new OssOptionError('credentials', 'is required ({ accessKeyId, accessKeySecret })');
    } else {
      try {
        this.#current = checkCredentials(option, 'credentials');
      } catch (err) {
        throw new OssOptionError(
          'credentials',
          (err as Error).message.replace(/^credentials: /, ''),
        );
      }
    }
    this.#cacheMs = cacheMs;
  }

  get refreshable(): boolean {
    return this.#provider !== undefined;
  }

  async get(): Promise<Credentials> {
    const provider = this.#provider;
    if (!provider) return this.#current as Credentials;
    if (this.#current && Date.now() - this.#fetchedAt < this.#cacheMs) return this.#current;
    this.#pending ??= (async () => {
      try {
        let answer: unknown;
        try {
          answer = await provider();
        } catch (err) {
          // Keep only the message: a provider's error object may hold request options.
          throw new OssCredentialsError('The credentials provider failed', {
            cause: new Error((err as Error)?.message ?? String(err)),
          });
        }
        this.#current = checkCredentials(
          answer,
          'The credentials provider returned invalid credentials',
        );
        this.#fetchedAt = Date.now();
        return this.#current;
      } finally {
        this.#pending = undefined;
      }
    })();
    return this.#pending;
  }

  /**
   * Forget the cached answer so the next request asks the provider again — unless `stale` is
   * given and the cache already holds newer credentials.
   */
  invalidate(stale?: Credentials): void {
    if (this.#provider && (stale === undefined || this.#current === stale))
      this.#current = undefined;
  }
}
