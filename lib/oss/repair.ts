import { OssResponseError } from '../errors.ts';
import type { CredentialsSource } from './credentials.ts';
import type { Credentials } from './signing/types.ts';

/** The server's clock as learned from a RequestTimeTooSkewed answer, shared by all calls. */
export class ServerClock {
  /** Server time minus local time. */
  offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

/**
 * Repairs for one call: OSS refuses a request whose date is more than 15 minutes off its own
 * (RequestTimeTooSkewed, with its time in ServerTime or the Date header), and an expired STS
 * token (SecurityTokenExpired, EC 0002-00000007). Each is repaired at most once per call.
 */
export class CallRepairs {
  #skewRepaired = false;
  #tokenRefreshed = false;
  /** The credentials the latest attempt signed with. */
  signedWith: Credentials | undefined;

  readonly #clock: ServerClock;
  readonly #credentials: CredentialsSource;

  constructor(clock: ServerClock, credentials: CredentialsSource) {
    this.#clock = clock;
    this.#credentials = credentials;
  }

  repair(error: unknown): boolean {
    if (!(error instanceof OssResponseError)) return false;
    if (error.ossCode === 'RequestTimeTooSkewed' && !this.#skewRepaired) {
      const serverTime = Date.parse(error.extra.ServerTime ?? error.serverDate ?? '');
      if (Number.isNaN(serverTime)) return false;
      this.#clock.offsetMs = serverTime - Date.now();
      this.#skewRepaired = true;
      return true;
    }
    const expired = error.ossCode === 'SecurityTokenExpired' || error.ec === '0002-00000007';
    if (expired && this.#credentials.refreshable && !this.#tokenRefreshed) {
      // Only the credentials this attempt signed with are stale: requests failing together
      // must not make the provider fetch once each.
      this.#credentials.invalidate(this.signedWith);
      this.#tokenRefreshed = true;
      return true;
    }
    return false;
  }
}
