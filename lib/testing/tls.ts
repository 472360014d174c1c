import { isIP } from 'node:net';
import { generate } from 'selfsigned';

/** A key and certificate chain for `https.Server#setSecureContext`. */
export interface ServerCertificate {
  key: string;
  cert: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Short-lived ECDSA keys: generated in milliseconds, valid for a week of test runs. */
const KEY_OPTIONS = { keyType: 'ec', curve: 'P-256', algorithm: 'sha256' } as const;

/**
 * A throwaway certificate authority generated when an emulator starts with `tls: true`. Its
 * certificate is what callers trust (`emulator.ca`); the server certificates it issues name
 * 127.0.0.1, ::1, localhost, `*.<baseHost>` and every bucket host `<bucket>.<baseHost>`
 * explicitly, because Node (like browsers) refuses a wildcard directly under a single-label
 * name such as `*.localhost`.
 */
export class TestCertificateAuthority {
  readonly #key: string;
  readonly cert: string;

  private constructor(key: string, cert: string) {
    this.#key = key;
    this.cert = cert;
  }

  static async create(): Promise<TestCertificateAuthority> {
    const now = Date.now();
    const pems = await generate(
      [{ name: 'commonName', value: 'oss-multipart-stream emulator test CA' }],
      {
        ...KEY_OPTIONS,
        notBeforeDate: new Date(now - DAY_MS),
        notAfterDate: new Date(now + 7 * DAY_MS),
        extensions: [
          { name: 'basicConstraints', cA: true, critical: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
        ],
      },
    );
    return new TestCertificateAuthority(pems.private, pems.cert);
  }

  /** A server certificate for these host names and IP addresses, signed by this authority. */
  async issue(names: readonly string[], ips: readonly string[]): Promise<ServerCertificate> {
    const now = Date.now();
    const pems = await generate([{ name: 'commonName', value: names[0] ?? 'localhost' }], {
      ...KEY_OPTIONS,
      notBeforeDate: new Date(now - DAY_MS),
      notAfterDate: new Date(now + 7 * DAY_MS),
      ca: { key: this.#key, cert: this.cert },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            ...ips.map((ip) => ({ type: 7 as const, ip })),
            ...names.map((value) => ({ type: 2 as const, value })),
          ],
        },
      ],
    });
    // Serve the chain: leaf first, then the authority (clients trust the latter).
    return { key: pems.private, cert: `${pems.cert.trim()}\n${this.cert.trim()}\n` };
  }
}

/**
 * The names a server certificate must cover: the listen host, the base host and its bucket
 * hosts, and `*.oss-<region>.aliyuncs.com`, the Host the official SDK sends when its endpoint is
 * an IP address (Node checks the certificate against that Host).
 */
export function certificateNames(
  host: string,
  baseHost: string,
  region: string,
  buckets: Iterable<string>,
): { names: string[]; ips: string[] } {
  const ips = new Set(['127.0.0.1', '::1']);
  const names = new Set(['localhost', baseHost, `*.${baseHost}`, `*.oss-${region}.aliyuncs.com`]);
  if (isIP(host)) ips.add(host);
  else names.add(host);
  for (const bucket of buckets) names.add(`${bucket}.${baseHost}`);
  return { names: [...names], ips: [...ips] };
}
