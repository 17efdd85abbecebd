// `npm run bench`: runs the rows of bench/rows/ (all, or those --only names), prints the table
// and writes it to bench/RESULTS.md; a full run of every row also puts the table in the README's
// Performance section. It exits 1 when a row cannot run, and with --check also when an enforced
// target is missed. See bench/README.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { parseBenchArgs, selectRows } from './cli.js';
import {
  failed,
  resultsMarkdown,
  rowsThatCouldNotRun,
  runInfo,
  summaryText,
  withReadmeResults,
  type RowResult,
} from './report.js';
import { ROWS } from './rows/index.js';

const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const README = fileURLToPath(new URL('../README.md', import.meta.url));

const args = process.argv.slice(2);
let options;
let rows;
try {
  options = parseBenchArgs(args, RESULTS);
  rows = selectRows(ROWS, options.only);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

const info = runInfo(options.quick, args);
const results: RowResult[] = [];
for (const row of rows) {
  console.log(`\n### ${row.id}. ${row.title}${options.quick ? ' (quick)' : ''}\n`);
  const started = performance.now();
  const context = { quick: options.quick, log: (line: string) => console.log(`  ${line}`) };
  try {
    const figures = await row.run(context);
    results.push({ row, figures, seconds: (performance.now() - started) / 1000 });
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`  row ${row.id} could not run: ${message}`);
    results.push({
      row,
      figures: [],
      error: message,
      seconds: (performance.now() - started) / 1000,
    });
  }
}

writeFileSync(options.out, await pretty(resultsMarkdown(results, info), options.out));
console.log(`\n${summaryText(results, options.quick)}\n\nwritten to ${options.out}`);
if (!options.quick && options.only.length === 0 && options.out === RESULTS) {
  const readme = withReadmeResults(readFileSync(README, 'utf8'), results, info);
  writeFileSync(README, await pretty(readme, README));
  console.log('and to the Performance section of README.md');
}
const broken = rowsThatCouldNotRun(results);
if (broken.length > 0) {
  const ids = broken.map((row) => row.id).join(', ');
  console.error(`\nbench: row ${ids} could not run (see the table)`);
  process.exitCode = 1;
} else if (options.check && failed(results, options.quick)) {
  console.error('\nbench --check: a target was missed (see the table)');
  process.exitCode = 1;
}

/** Markdown as the project's prettier writes it, so the written files pass `npm run lint`. */
async function pretty(markdown: string, file: string): Promise<string> {
  return format(markdown, { ...(await resolveConfig(file)), filepath: file });
}
