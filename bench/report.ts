// The results table: printed at the end of a run and written to bench/RESULTS.md.
import { cpus, loadavg, platform, arch } from 'node:os';
import { formatTarget, formatValue, judge, type Figure, type Row } from './row.js';

/** What one row produced: its figures, or the error that stopped it. */
export interface RowResult {
  row: Row;
  figures: Figure[];
  error?: string;
  seconds: number;
}

/** How the run was made, for the header. */
export interface RunInfo {
  quick: boolean;
  /** The command line after `npm run bench --`. */
  args: readonly string[];
  startedAt: Date;
  /** The 1-minute load average when the run started. */
  load: number;
}

/** The machine and run facts at the start of a run. */
export function runInfo(quick: boolean, args: readonly string[]): RunInfo {
  return { quick, args, startedAt: new Date(), load: loadavg()[0] ?? 0 };
}

/** The command that reruns one row in the same mode. */
export function rowCommand(row: Row, quick: boolean): string {
  return `npm run bench -- --only ${row.id}${quick ? ' --quick' : ''}`;
}

/**
 * The rows that could not run (a server down, wrk missing, a crash): any run that has one
 * exits 1, with or without --check.
 */
export function rowsThatCouldNotRun(results: readonly RowResult[]): Row[] {
  return results.filter((result) => result.error !== undefined).map((result) => result.row);
}

/** True when the run should fail under --check: an enforced target missed, or a row failed. */
export function failed(results: readonly RowResult[], quick: boolean): boolean {
  return (
    rowsThatCouldNotRun(results).length > 0 ||
    results.some((result) => result.figures.some((f) => judge(f, quick) === 'MISS'))
  );
}

function spread(figure: Figure): string {
  if (!figure.spread) return '';
  const { min, max, n } = figure.spread;
  return `${formatValue(min, figure.unit)}-${formatValue(max, figure.unit)} (${n})`;
}

function value(figure: Figure): string {
  const unit = figure.unit === '' ? '' : figure.unit === 'x' ? 'x' : ` ${figure.unit}`;
  return `${formatValue(figure.value, figure.unit)}${unit}`;
}

/** The table's lines: one per figure, a row's number on its first figure only. */
function tableLines(results: readonly RowResult[], quick: boolean): string[] {
  const lines = [
    '| # | comparison | figure | median | min-max (n) | target | verdict |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const { row, figures, error } of results) {
    if (error !== undefined) {
      lines.push(`| ${row.id} | ${row.title} | could not run: ${oneLine(error)} | | | | ERROR |`);
      continue;
    }
    figures.forEach((figure, i) => {
      const cells = [
        i === 0 ? row.id : '',
        i === 0 ? row.title : '',
        figure.label,
        value(figure),
        spread(figure),
        formatTarget(figure.target, figure.unit),
        judge(figure, quick),
      ];
      lines.push(`| ${cells.join(' | ')} |`);
    });
  }
  return lines;
}

function oneLine(text: string): string {
  return text.split('\n')[0]!.replaceAll('|', '\\|').slice(0, 300);
}

/** The facts of a run: command, Node, CPU, date, load. */
function runFacts(info: RunInfo): string[] {
  const cpu = cpus();
  const mode = info.quick
    ? 'a quick run (`--quick`: fewer rounds, smaller scale; timing targets reported, not enforced)'
    : 'a full run';
  return [
    `- Command: \`npm run bench${info.args.length > 0 ? ` -- ${info.args.join(' ')}` : ''}\`, ${mode}`,
    `- Node ${process.version} on ${platform()} ${arch()}; ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}`,
    `- Date: ${info.startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}; load average at start ${info.load.toFixed(2)}`,
  ];
}

/** RESULTS.md: the run's facts, the table, the command per row, and each figure's details. */
export function resultsMarkdown(results: readonly RowResult[], info: RunInfo): string {
  const lines = [
    '# Benchmark results',
    '',
    '<!-- Written by `npm run bench` (bench/run.ts); rerun it rather than editing this file. -->',
    '',
    ...runFacts(info),
    '',
    'Each comparison runs its sides interleaved, in rounds (A B A B …), and reports the median of',
    'the per-round ratios with the lowest and highest round (min-max, over n rounds; over n trials',
    'where a row times whole trials): a verdict never rests on an absolute time measured at another',
    "moment. HTTP ratios are requests per CPU-second of the server process (what a saturated server's",
    'throughput tends to); requests per second are in the details. See bench/README.md for what each',
    'row measures.',
    '',
    ...tableLines(results, info.quick),
    '',
    '## Commands',
    '',
    '| # | command | seconds |',
    '| --- | --- | --- |',
    ...results.map(
      ({ row, seconds }) =>
        `| ${row.id} | \`${rowCommand(row, info.quick)}\` | ${seconds.toFixed(0)} |`,
    ),
    '',
    '## Details',
    '',
  ];
  for (const { row, figures, error } of results) {
    lines.push(`### ${row.id}. ${row.title}`, '');
    if (error !== undefined) lines.push('```', error.trim(), '```');
    for (const figure of figures) {
      const more = [spread(figure) && `min-max (n) ${spread(figure)}`, figure.detail].filter(
        Boolean,
      );
      lines.push(`- ${figure.label}: ${value(figure)}${more.length ? `; ${more.join('; ')}` : ''}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

const README_START = '<!-- bench:results: written by a full `npm run bench`; do not edit -->';
const README_END = '<!-- /bench:results -->';

/**
 * The README with its results block (between the bench:results markers) replaced by this run's
 * facts and table, so the README quotes the latest full run instead of figures kept by hand.
 * Throws when the README has no such block.
 */
export function withReadmeResults(
  readme: string,
  results: readonly RowResult[],
  info: RunInfo,
): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start === -1 || end < start) throw new Error('README.md has no bench:results block');
  const block = [README_START, '', ...runFacts(info), '', ...tableLines(results, info.quick), ''];
  return readme.slice(0, start) + block.join('\n') + readme.slice(end);
}

/** The table for the terminal. */
export function summaryText(results: readonly RowResult[], quick: boolean): string {
  return tableLines(results, quick).join('\n');
}
