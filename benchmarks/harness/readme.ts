import { readFile, writeFile } from 'node:fs/promises';

const README = new URL('../../README.md', import.meta.url);

/**
 * Put generated Markdown into the README between `<!-- name:start -->` and `<!-- name:end -->`,
 * one heading level down (the README's section owns the top heading), so the README always
 * shows the figures of the last full run instead of a hand-copied version of them.
 */
export async function updateReadmeSection(name: string, markdown: string): Promise<boolean> {
  const readme = await readFile(README, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) return false;
  const body = markdown
    .replace(/^<!--.*?-->\n/s, '')
    .replace(/^(#{1,5}) /gm, '#$1 ')
    .trim();
  const next = `${readme.slice(0, from + start.length)}\n${body}\n${readme.slice(to)}`;
  if (next !== readme) await writeFile(README, next);
  return true;
}
