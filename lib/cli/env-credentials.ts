import type { Credentials } from '../oss/signing/types.ts';
import { MissingCredentialsError, UsageError } from './exit-codes.ts';

type Env = Record<string, string | undefined>;

/** The variable names users already have from ossutil / the OSS SDKs and from Alibaba Cloud's
 * credential chain. A family is used whole: a token is never paired with another family's key. */
const FAMILIES = [
  {
    id: 'OSS_ACCESS_KEY_ID',
    secret: 'OSS_ACCESS_KEY_SECRET',
    token: 'OSS_SESSION_TOKEN',
  },
  {
    id: 'ALIBABA_CLOUD_ACCESS_KEY_ID',
    secret: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
    token: 'ALIBABA_CLOUD_SECURITY_TOKEN',
  },
] as const;

export const CREDENTIAL_HELP =
  'Set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET (and OSS_SESSION_TOKEN for STS), ' +
  'or ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET ' +
  '(and ALIBABA_CLOUD_SECURITY_TOKEN).';

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

export interface EnvCredentials {
  credentials: Credentials;
  /** Names of the variables used, for messages (never their values). */
  from: string;
  /** Values that must never be printed; output is scrubbed of them. */
  secrets: string[];
}

/** Credentials only from the environment: a flag would land in shell history and `ps`. */
export function credentialsFromEnv(env: Env): EnvCredentials {
  for (const family of FAMILIES) {
    const accessKeyId = value(env, family.id);
    const accessKeySecret = value(env, family.secret);
    if (!accessKeyId && !accessKeySecret) continue;
    if (!accessKeyId || !accessKeySecret) {
      const missing = accessKeyId ? family.secret : family.id;
      const present = accessKeyId ? family.id : family.secret;
      throw new MissingCredentialsError(`${present} is set but ${missing} is not.`);
    }
    const securityToken = value(env, family.token);
    const credentials: Credentials = { accessKeyId, accessKeySecret };
    if (securityToken) credentials.securityToken = securityToken;
    return {
      credentials,
      from: `${family.id}/${family.secret}${securityToken ? `/${family.token}` : ''}`,
      secrets: securityToken ? [accessKeySecret, securityToken] : [accessKeySecret],
    };
  }
  throw new MissingCredentialsError(`No credentials in the environment. ${CREDENTIAL_HELP}`);
}

export interface Connection {
  endpoint: string;
  region: string | undefined;
}

/** Flags win over OSS_ENDPOINT / OSS_REGION; a region alone names its public endpoint. */
export function connectionFrom(
  flags: { endpoint?: string | undefined; region?: string | undefined },
  env: Env,
): Connection {
  const region = flags.region ?? value(env, 'OSS_REGION');
  let endpoint = flags.endpoint ?? value(env, 'OSS_ENDPOINT');
  if (!endpoint && region) endpoint = `https://oss-${region.replace(/^oss-/, '')}.aliyuncs.com`;
  if (!endpoint) {
    throw new UsageError('no endpoint: pass --endpoint or --region, or set OSS_ENDPOINT');
  }
  return { endpoint, region };
}

/** Replace every secret that might appear in `text` (defence in depth: the library already
 * keeps them out of its messages). */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  return out;
}
