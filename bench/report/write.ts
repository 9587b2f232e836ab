/** Writes the run's report: latest.json, latest.md and, when the sweep ran, concurrency.svg. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderMarkdown } from './markdown.ts';
import type { BenchResults } from './results.ts';
import { renderSvg } from './svg.ts';

/** Writes the files into `outDir` and returns the Markdown, for the run to print. */
export async function writeReport(outDir: string, results: BenchResults): Promise<string> {
  const markdown = await formatted(join(outDir, 'latest.md'), renderMarkdown(results));
  await writeFile(
    join(outDir, 'latest.json'),
    await formatted(join(outDir, 'latest.json'), JSON.stringify(results, null, 2)),
  );
  await writeFile(join(outDir, 'latest.md'), markdown);
  if (results.sweep.length > 0) {
    await writeFile(join(outDir, 'concurrency.svg'), renderSvg(results));
  }
  return markdown;
}

/** The text as the project's Prettier would write it, so committed results pass `prettier --check`. */
async function formatted(file: string, text: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const config = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...config, filepath: file });
  } catch {
    return text.endsWith('\n') ? text : `${text}\n`;
  }
}
