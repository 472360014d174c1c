import { credentialProblem } from './names.ts';
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
  // The id and the token travel in headers: a value that cannot be sent fails here, not as a
  // retried network error (the message never repeats the value).
  for (const [field, text] of [
    ['accessKeyId', accessKeyId],
    ['securityToken', securityToken],
  ]) {
    const problem = credentialProblem(text);
    if (problem) throw new OssCredentialsError(`${where}: ${field} ${problem}`);
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

  /**
   * The credentials to sign with. A provider's answer is awaited at most `timeoutMs` (then
   * OssCredentialsError) and no longer than `signal` allows (then the signal's reason): a
   * provider that never settles must not hang the request. One provider call is shared by
   * the requests waiting for it; after a timeout the next request asks the provider again.
   */
  async get(wait: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined } = {}) {
    const provider = this.#provider;
    if (!provider) return this.#current as Credentials;
    if (this.#current && Date.now() - this.#fetchedAt < this.#cacheMs) return this.#current;
    this.#pending ??= this.#fetch(provider);
    const pending = this.#pending;
    return await this.#bounded(pending, wait.signal, wait.timeoutMs);
  }

  #fetch(provider: () => Credentials | Promise<Credentials>): Promise<Credentials> {
    const pending = (async () => {
      let answer: unknown;
      try {
        answer = await provider();
      } catch (err) {
        // Keep only the message: a provider's error object may hold request options.
        throw new OssCredentialsError('The credentials provider failed', {
          cause: new Error((err as Error)?.message ?? String(err)),
        });
      }
      const checked = checkCredentials(
        answer,
        'The credentials provider returned invalid credentials',
      );
      this.#current = checked;
      this.#fetchedAt = Date.now();
      return checked;
    })();
    const forget = () => {
      if (this.#pending === pending) this.#pending = undefined;
    };
    pending.then(forget, forget);
    return pending;
  }

  #bounded(
    pending: Promise<Credentials>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
  ): Promise<Credentials> {
    if (signal === undefined && timeoutMs === undefined) return pending;
    return new Promise<Credentials>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        settle();
        reject(signal?.reason);
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              settle();
              // A provider that did not answer in time is not waited for by later requests.
              if (this.#pending === pending) this.#pending = undefined;
              reject(
                new OssCredentialsError(
                  `The credentials provider did not answer within ${timeoutMs} ms`,
                ),
              );
            }, timeoutMs);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      pending.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(error);
        },
      );
    });
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
