import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * What bench/run.ts and the `*.bench.ts` files share. A benchmark file default-exports a Benchmark;
 * run.ts runs them one after another (never in parallel: the machine has 2 cores and figures are
 * ratios against a reference measured in the same run).
 */

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface BenchOptions {
  /** CI-sized: smaller counts, one repetition. */
  quick: boolean;
  /** Progress lines (stderr). */
  log(line: string): void;
}

export interface BenchTable {
  headers: string[];
  rows: (string | number)[][];
}

export interface BenchReport {
  name: string;
  /** One-line findings, printed as they are. */
  summary: string[];
  table: BenchTable;
  /** Everything measured, for outputs/bench/latest.json. */
  data: unknown;
}

export interface Benchmark {
  name: string;
  run(options: BenchOptions): Promise<BenchReport>;
}

/** The median, ignoring NaN (a figure that noise made meaningless); NaN if nothing is left. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Run `node --import tsx FILE ARGS` from the project root in a fresh process and parse the last line it
 * prints on stdout as JSON. Its stderr is passed through; a non-zero exit is an error.
 */
export function runNodeWorker<T>(file: string, args: readonly string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`worker ${file} ${args.join(' ')} exited with ${signal ?? code}\n${stderr.trim()}`));
        return;
      }
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`worker ${file} ${args.join(' ')} printed no JSON result:\n${stdout}\n${stderr}`));
      }
    });
  });
}

/** A Markdown table with right-aligned numbers and padded columns. */
export function markdownTable(table: BenchTable): string {
  const cells = [table.headers, ...table.rows.map((row) => row.map(String))];
  const numeric = table.headers.map((_, c) => table.rows.every((row) => typeof row[c] === 'number' || /^([\d.,]*|n\/a)$/.test(String(row[c]))));
  const widths = table.headers.map((_, c) => Math.max(3, ...cells.map((row) => String(row[c] ?? '').length)));
  const line = (row: (string | number)[]) =>
    `| ${row.map((cell, c) => (numeric[c] ? String(cell).padStart(widths[c]) : String(cell).padEnd(widths[c]))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (numeric[c] ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`;
  return [line(table.headers), rule, ...table.rows.map(line)].join('\n');
}

/** `12.3` style: a fixed number of decimals; `n/a` for NaN. */
export function fixed(value: number, digits = 0): string {
  return Number.isNaN(value) ? 'n/a' : value.toFixed(digits);
}
