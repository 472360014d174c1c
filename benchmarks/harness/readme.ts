import { readFile, writeFile } from 'node:fs/promises';

/** The document that holds the full generated tables; the README links it and summarises. */
export const RESULTS_README = new URL('../README.md', import.meta.url);

/**
 * Put generated Markdown into benchmarks/README.md between `<!-- name:start -->` and
 * `<!-- name:end -->`, its headings moved under that document's section, so it always shows the
 * tables of the last full run (`benchmarks` from `npm run bench`, `reliability` from the full
 * fault matrix) instead of a hand-copied version of them. Returns false, writing nothing, when
 * the markers are missing. `file` is for specs.
 */
export async function updateReadmeSection(
  name: string,
  markdown: string,
  file: URL | string = RESULTS_README,
): Promise<boolean> {
  const readme = await readFile(file, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) return false;
  const text = markdown.replace(/^<!--.*?-->\n/s, '');
  // The top heading of the generated text becomes level 3, under the document's own section.
  const top = Math.min(6, ...[...text.matchAll(/^(#{1,6}) /gm)].map((m) => (m[1] ?? '').length));
  const shift = 3 - top;
  const body = text
    .replace(
      /^(#{1,6}) /gm,
      (_, hashes: string) => `${'#'.repeat(Math.min(6, hashes.length + shift))} `,
    )
    .trim();
  const next = `${readme.slice(0, from + start.length)}\n${body}\n${readme.slice(to)}`;
  if (next !== readme) await writeFile(file, next);
  return true;
}
