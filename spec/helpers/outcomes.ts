/** Expected rejections: one helper for every spec, instead of one per file. */
import { expect } from 'vitest';

/** The error `promise` rejects with; if it resolves instead, the test fails. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection, but the promise resolved');
    },
    (error: unknown) => error,
  );
}

/** The error `promise` rejects with, checked to be an instance of `type`. */
export async function rejectionAs<T>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => T,
): Promise<T> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(type);
  return error as T;
}
