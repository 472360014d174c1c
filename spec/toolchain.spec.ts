import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeMajorVersion } from '../lib/version.ts';

describe('toolchain', () => {
  it('runs on Node 22 or newer', () => {
    expect(nodeMajorVersion()).toBeGreaterThanOrEqual(22);
  });
  it('runs the project scripts on the pinned Node 24', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.devDependencies.node).toMatch(/^\^?24\./);
    expect(nodeMajorVersion()).toBe(24);
  });
});
