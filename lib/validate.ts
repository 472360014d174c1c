/**
 * The validators every option goes through. Each takes the value, the option's full name
 * (`retry.maxAttempts`, `meta.a`) and its rule; an absent value (undefined) yields the fallback
 * when one is given. Every refusal is an OssOptionError naming the option.
 */
import { OssOptionError } from './errors.ts';

/** The longest wait `setTimeout` honours; longer ones fire at once (Node clamps them to 1 ms). */
export const MAX_TIMER_MS = 2_147_483_647;

/** A short description of a value for error messages, e.g. `number 1.5`, `an object`. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  if (typeof value === 'string') return `string ${JSON.stringify(truncate(value))}`;
  if (typeof value === 'function') return 'a function';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** A plain object (not null, not an array). */
export function plainObject(value: unknown, option: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new OssOptionError(option, `expected an object, got ${describeType(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Refuse names of `given` that are not keys of `known`; `prefix` is the parent option. */
export function rejectUnknown(given: object, known: object, prefix?: string): void {
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(known, name)) {
      throw new OssOptionError(prefix ? `${prefix}.${name}` : name, 'unknown option');
    }
  }
}

export interface IntegerRange {
  min: number;
  max?: number | undefined;
}

/** An integer within `range` (both ends included). */
export function integer(value: unknown, option: string, range: IntegerRange): number | undefined;
export function integer(
  value: unknown,
  option: string,
  range: IntegerRange,
  fallback: number,
): number;
export function integer(
  value: unknown,
  option: string,
  range: IntegerRange,
  fallback?: number,
): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new OssOptionError(option, `expected an integer, got ${describeType(value)}`);
  }
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (value < range.min || value > max) {
    const bounds = range.max === undefined ? `>= ${range.min}` : `${range.min} to ${range.max}`;
    throw new OssOptionError(option, `${value} is out of range (${bounds})`);
  }
  return value;
}

export function boolean(value: unknown, option: string): boolean | undefined;
export function boolean(value: unknown, option: string, fallback: boolean): boolean;
export function boolean(value: unknown, option: string, fallback?: boolean): boolean | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new OssOptionError(option, `expected a boolean, got ${describeType(value)}`);
  }
  return value;
}

/** One of the values of an `as const` table. */
export function oneOf<T extends string>(
  value: unknown,
  option: string,
  allowed: readonly T[],
): T | undefined;
export function oneOf<T extends string>(
  value: unknown,
  option: string,
  allowed: readonly T[],
  fallback: T,
): T;
export function oneOf<T extends string>(
  value: unknown,
  option: string,
  allowed: readonly T[],
  fallback?: T,
): T | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const list = allowed.map((a) => `'${a}'`).join(', ');
    throw new OssOptionError(option, `expected one of ${list}, got ${describeType(value)}`);
  }
  return value as T;
}

/** A non-empty string. */
export function nonEmptyString(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new OssOptionError(option, `expected a non-empty string, got ${describeType(value)}`);
  }
  return value;
}

/**
 * An object whose values are all strings; entries whose value is undefined are dropped (so
 * `{ a: maybe }` works under exactOptionalPropertyTypes). `check` sees each entry with its
 * full option name, e.g. `meta.a`.
 */
export function stringRecord(
  value: unknown,
  option: string,
  check?: (name: string, value: string, option: string) => void,
): Record<string, string> {
  if (value === undefined) return {};
  const given = plainObject(value, option);
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(given)) {
    if (v === undefined) continue;
    if (typeof v !== 'string') {
      throw new OssOptionError(`${option}.${name}`, `expected a string, got ${describeType(v)}`);
    }
    check?.(name, v, `${option}.${name}`);
    out[name] = v;
  }
  return out;
}

/** Retry limits. Which failures are retried is fixed by the transport, not configurable. */
export interface RetryOptions {
  /** Attempts in total, including the first. Default 3. */
  maxAttempts: number;
  /** Base of the exponential backoff in ms. Default 200. */
  baseDelayMs: number;
  /** Cap of one backoff wait in ms. Default 20000. */
  maxDelayMs: number;
}

/** Retry limits as an option: any of them, the rest taken from the defaults or the client. */
export type RetryOptionsInput = { [K in keyof RetryOptions]?: RetryOptions[K] | undefined };

export const RETRY_DEFAULTS: Readonly<RetryOptions> = Object.freeze({
  maxAttempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 20_000,
});

const RETRY_RANGES: Record<keyof RetryOptions, IntegerRange> = {
  maxAttempts: { min: 1, max: 100 },
  baseDelayMs: { min: 0, max: MAX_TIMER_MS },
  maxDelayMs: { min: 0, max: MAX_TIMER_MS },
};

/**
 * Validate retry limits given as option `option` (e.g. `retry`); the limits not given are
 * taken from `base` (the client's settings for a per-upload or per-call `retry`). Fields whose
 * value is undefined count as not given.
 */
export function validateRetryOptions(
  value: unknown,
  option = 'retry',
  base: Readonly<RetryOptions> = RETRY_DEFAULTS,
): RetryOptions {
  if (value === undefined) return { ...base };
  const given = plainObject(value, option);
  rejectUnknown(given, RETRY_DEFAULTS, option);
  const result = { ...base };
  for (const name of Object.keys(RETRY_RANGES) as (keyof RetryOptions)[]) {
    result[name] = integer(given[name], `${option}.${name}`, RETRY_RANGES[name], base[name]);
  }
  return result;
}
