/**
 * The README's option tables and the validators agree: the same option names (the known names
 * are the keys of the defaults objects) and the same defaults.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UPLOAD_DEFAULTS } from '../lib/options.ts';
import { CLIENT_DEFAULTS } from '../lib/oss/client-options.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** Rows `| \`name\` | type | default | notes |` of the first table after `heading`. */
function optionRows(heading: string): Map<string, string> {
  const start = README.indexOf(heading);
  expect(start, `README heading ${heading}`).toBeGreaterThanOrEqual(0);
  const lines = README.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('| option |'));
  const rows = new Map<string, string>();
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const name = /^`(\w+)`$/.exec(cells[1] ?? '')?.[1];
    if (name) rows.set(name, cells[3] ?? '');
  }
  return rows;
}

/** How a default is written in the table. */
function written(value: unknown): string | undefined {
  if (typeof value === 'string') return `\`'${value}'\``;
  if (typeof value === 'number' || typeof value === 'boolean') return `\`${value}\``;
  return undefined;
}

describe.each([
  ['client', '### `new OssClient(options)`', CLIENT_DEFAULTS],
  ['upload', '### `client.createUploadStream(key, options?)`', UPLOAD_DEFAULTS],
] as const)('README %s options table', (_kind, heading, defaults) => {
  const rows = optionRows(heading);

  it('lists exactly the options that are accepted', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(defaults).sort());
  });

  it('states each plain default as it is applied', () => {
    for (const [name, value] of Object.entries(defaults)) {
      const text = written(value);
      if (text !== undefined) expect(rows.get(name), name).toContain(text);
    }
  });
});
