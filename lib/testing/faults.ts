import {
  type FaultController,
  type FaultRule,
  OPERATION_NAMES,
  type OperationName,
} from './types.ts';

const KINDS = new Set([
  'error',
  'reset',
  'stall',
  'drop-response',
  'wrong-etag',
  'wrong-crc',
  'fake-response',
  'delay-response',
]);

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

/** Faults are consumed in the order they were added; each matching request uses one activation. */
export class Faults implements FaultController {
  #rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    validate(rule);
    this.#rules.push({ rule: { ...rule }, remaining: rule.times ?? 1 });
  }

  clear(): void {
    this.#rules = [];
  }

  pending(): number {
    return this.#rules.reduce((sum, r) => sum + r.remaining, 0);
  }

  /** The fault for this request, if any, consuming one activation. */
  take(operation: OperationName, partNumber: number | undefined): FaultRule | undefined {
    const index = this.#rules.findIndex(
      (r) =>
        r.rule.operation === operation &&
        (r.rule.partNumber === undefined || r.rule.partNumber === partNumber),
    );
    if (index < 0) return undefined;
    const active = this.#rules[index]!;
    active.remaining -= 1;
    if (active.remaining <= 0) this.#rules.splice(index, 1);
    return active.rule;
  }
}

function validate(rule: FaultRule): void {
  if (!rule || typeof rule !== 'object') throw new TypeError('fault rule must be an object');
  if (!OPERATION_NAMES.includes(rule.operation)) {
    throw new TypeError(`fault rule: unknown operation ${JSON.stringify(rule.operation)}`);
  }
  if (!KINDS.has(rule.kind))
    throw new TypeError(`fault rule: unknown kind ${JSON.stringify(rule.kind)}`);
  const times = rule.times ?? 1;
  if (!(times === Number.POSITIVE_INFINITY || (Number.isInteger(times) && times >= 1))) {
    throw new TypeError('fault rule: times must be a positive integer or Infinity');
  }
  if (rule.partNumber !== undefined && !Number.isInteger(rule.partNumber)) {
    throw new TypeError('fault rule: partNumber must be an integer');
  }
  if (rule.kind === 'error') {
    if (!Number.isInteger(rule.status) || rule.status < 300 || rule.status > 599) {
      throw new TypeError('fault rule: error status must be an integer 300..599');
    }
    if (typeof rule.code !== 'string' || rule.code === '')
      throw new TypeError('fault rule: error code is required');
  }
  if (
    (rule.kind === 'stall' || rule.kind === 'delay-response') &&
    !(Number.isFinite(rule.ms) && rule.ms >= 0)
  ) {
    throw new TypeError(`fault rule: ${rule.kind} ms must be a non-negative number`);
  }
  if (rule.kind === 'fake-response') {
    if (!Number.isInteger(rule.status) || rule.status < 100 || rule.status > 599) {
      throw new TypeError('fault rule: fake-response status must be an integer 100..599');
    }
    if (rule.body !== undefined && typeof rule.body !== 'string') {
      throw new TypeError('fault rule: fake-response body must be a string');
    }
  }
  if (rule.onFire !== undefined && typeof rule.onFire !== 'function') {
    throw new TypeError('fault rule: onFire must be a function');
  }
  if (
    rule.kind === 'reset' &&
    rule.afterBytes !== undefined &&
    !(Number.isInteger(rule.afterBytes) && rule.afterBytes >= 0)
  ) {
    throw new TypeError('fault rule: reset afterBytes must be a non-negative integer');
  }
}

/** A different ETag of the same shape (`HEX` or `HEX-N`): the first hex digit changes. */
export function corruptEtag(etag: string): string {
  const first = etag[0] === '0' ? '1' : '0';
  return first + etag.slice(1);
}

export function corruptCrc(crc: bigint | undefined): string {
  return crc === undefined ? '1234567890123456789' : (crc ^ 1n).toString();
}
