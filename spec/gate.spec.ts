import { describe, expect, it } from 'vitest';
import { OssOptionError } from '../lib/errors.ts';
import { CapacityGate } from '../lib/parts/capacity-gate.ts';
import { MemoryBudget } from '../lib/parts/memory-budget.ts';

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('CapacityGate', () => {
  it('admits up to its limit, then queues waiters first come, first served', async () => {
    const gate = new CapacityGate(2);
    expect(gate.tryAcquire()).toBe(true);
    await gate.acquire();
    expect(gate.tryAcquire()).toBe(false);
    const order: string[] = [];
    const a = gate.acquire().then(() => order.push('a'));
    const b = gate.acquire().then(() => order.push('b'));
    expect(gate.waiting).toBe(2);
    gate.release();
    await a;
    expect(order).toEqual(['a']);
    expect(gate.active).toBe(2);
    gate.release();
    await b;
    expect(order).toEqual(['a', 'b']);
  });

  it('a free slot is not taken past queued waiters', async () => {
    const gate = new CapacityGate(1);
    await gate.acquire();
    const waiter = gate.acquire();
    gate.release();
    expect(gate.tryAcquire()).toBe(false);
    await waiter;
    expect(gate.active).toBe(1);
  });

  it('close() rejects every waiter, and every later acquire', async () => {
    const gate = new CapacityGate(1);
    await gate.acquire();
    const waiters = [gate.acquire(), gate.acquire()].map((p) => p.catch((e: Error) => e.message));
    gate.close(new Error('upload failed'));
    expect(await Promise.all(waiters)).toEqual(['upload failed', 'upload failed']);
    await expect(gate.acquire()).rejects.toThrow('upload failed');
    expect(gate.tryAcquire()).toBe(false);
    gate.release();
    expect(gate.active).toBe(0);
  });

  it('refuses a release without a slot and a limit below 1', () => {
    expect(() => new CapacityGate(0)).toThrow(RangeError);
    expect(() => new CapacityGate(1).release()).toThrow(RangeError);
  });
});

describe('MemoryBudget', () => {
  it('reserves up to its limit and makes later requests wait until bytes come back', async () => {
    const budget = new MemoryBudget(100);
    const a = budget.account();
    const b = budget.account();
    expect(a.tryReserve(60)).toBe(true);
    expect(b.tryReserve(60)).toBe(false);
    let granted = false;
    const waiting = b.reserve(60).then(() => {
      granted = true;
    });
    await flush();
    expect(granted).toBe(false);
    expect(budget.waiting).toBe(60);
    a.release(60);
    await waiting;
    expect(budget.held).toBe(60);
    expect(b.held).toBe(60);
    expect(budget.peakHeld).toBe(60);
  });

  it('an upload holding nothing goes before uploads that already hold parts', async () => {
    const budget = new MemoryBudget(100);
    const greedy = budget.account();
    const idle = budget.account();
    expect(greedy.tryReserve(100)).toBe(true);
    const order: string[] = [];
    const more = greedy.reserve(50).then(() => order.push('greedy'));
    const first = idle.reserve(50).then(() => order.push('idle'));
    greedy.release(50);
    await first;
    expect(order).toEqual(['idle']);
    greedy.release(50);
    await more;
    expect(order).toEqual(['idle', 'greedy']);
  });

  it('keeps the head of the line: smaller later requests do not overtake a large one', async () => {
    const budget = new MemoryBudget(100);
    const holder = budget.account();
    expect(holder.tryReserve(80)).toBe(true);
    const order: string[] = [];
    const large = budget
      .account()
      .reserve(90)
      .then(() => order.push('large'));
    const small = budget
      .account()
      .reserve(10)
      .then(() => order.push('small'));
    await flush();
    expect(order).toEqual([]);
    holder.release(80);
    await Promise.all([large, small]);
    expect(order).toEqual(['large', 'small']);
  });

  it('a part larger than the whole limit is an OssOptionError naming memoryLimit, not a hang', async () => {
    const budget = new MemoryBudget(100);
    expect(() => budget.account().tryReserve(101)).toThrow(OssOptionError);
    await expect(budget.account().reserve(101)).rejects.toMatchObject({
      code: 'ERR_OSS_INVALID_OPTION',
      option: 'memoryLimit',
    });
  });

  it('closing an account rejects its waiting request and lets the next upload in', async () => {
    const budget = new MemoryBudget(100);
    const holder = budget.account();
    holder.tryReserve(100);
    const failing = budget.account();
    const rejected = failing.reserve(100).catch((e: Error) => e.message);
    const next = budget.account();
    const granted = next.reserve(100);
    failing.close(new Error('upload failed'));
    expect(await rejected).toBe('upload failed');
    holder.release(100);
    await granted;
    expect(next.held).toBe(100);
  });
});
