/**
 * Run every benchmark (bench/*.bench.ts) in sequence, print their findings and tables, and write all
 * results to outputs/bench/latest.json. With a name filter, the results are merged into that file:
 * the benchmarks run replace their own earlier entries, the others' entries are kept as they were.
 *
 *   npm run bench                  # full size
 *   npm run bench -- --quick       # CI-sized: small counts, one repetition
 *   npm run bench -- prepare       # only benchmark files whose name contains "prepare" (merged into
 *                                  # latest.json: the other benchmarks' results there are kept)
 *
 * Figures are ratios against a reference measured in the same run plus peak RSS, so that a noisy
 * machine still gives comparable numbers; absolute rates are printed for context only.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { arch, cpus, platform, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../utils/atomicFile.ts';
import { markdownTable, ROOT, type Benchmark, type BenchReport } from './lib.ts';

const { values, positionals } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } },
  allowPositionals: true,
});
const quick = values.quick ?? false;
const outFile = values.out ?? join(ROOT, 'outputs', 'bench', 'latest.json');
const log = (line: string) => process.stderr.write(line + '\n');

const benchDir = join(ROOT, 'bench');
const files = (await readdir(benchDir))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => positionals.length === 0 || positionals.some((p) => f.includes(p)))
  .sort();
if (!files.length) {
  log(`no benchmark files${positionals.length ? ` matching ${positionals.join(', ')}` : ''} in ${benchDir}`);
  process.exit(1);
}

const started = Date.now();
const reports: (BenchReport & { file: string; seconds: number })[] = [];
const failures: { file: string; error: string }[] = [];
for (const file of files) {
  const t0 = Date.now();
  try {
    const bench = ((await import(pathToFileURL(join(benchDir, file)).href)) as { default: Benchmark }).default;
    log(`# ${bench.name} (${file})${quick ? ' --quick' : ''}`);
    const report = await bench.run({ quick, log });
    const seconds = (Date.now() - t0) / 1000;
    reports.push({ ...report, file, seconds });
    console.log(`\n## ${report.name}  (${seconds.toFixed(0)} s)\n`);
    for (const line of report.summary) console.log(line);
    console.log('\n' + markdownTable(report.table) + '\n');
  } catch (error) {
    // One broken benchmark must not hide the others' figures.
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    failures.push({ file, error: message });
    console.log(`\n## ${file}: FAILED\n\n${message}\n`);
    process.exitCode = 1;
  }
}
const seconds = (Date.now() - started) / 1000;
console.log(`all benchmarks: ${seconds.toFixed(0)} s`);

interface StoredReport {
  name: string;
  file: string;
  seconds: number;
  /** When this benchmark was run (absent in files written before merging existed: use the file's `at`). */
  at?: string;
  quick?: boolean;
  summary: string[];
  table: unknown;
  data: unknown;
}
interface StoredResults {
  at: string;
  quick: boolean;
  seconds: number;
  machine: unknown;
  benchmarks: StoredReport[];
  failures: { file: string; error: string; at?: string }[];
}

const at = new Date().toISOString();
const fresh: StoredReport[] = reports.map((r) => ({ name: r.name, file: r.file, seconds: r.seconds, at, quick, summary: r.summary, table: r.table, data: r.data }));
const machine = { node: process.version, platform: platform(), arch: arch(), cpus: cpus().length, cpu: cpus()[0]?.model, totalMemMiB: Math.round(totalmem() / 2 ** 20) };
let json: StoredResults = { at, quick, seconds, machine, benchmarks: fresh, failures: failures.map((f) => ({ ...f, at })) };
if (positionals.length > 0) {
  // Only some benchmarks ran: keep the other benchmarks' results (and failures) from the file.
  const previous = await readPrevious(outFile);
  if (previous) {
    const ran = new Set(files);
    const kept = previous.benchmarks
      .filter((b) => !ran.has(b.file))
      .map((b) => ({ ...b, at: b.at ?? previous.at, quick: b.quick ?? previous.quick }));
    json = {
      ...json,
      benchmarks: [...kept, ...fresh].sort((a, b) => a.file.localeCompare(b.file)),
      failures: [...previous.failures.filter((f) => !ran.has(f.file)).map((f) => ({ ...f, at: f.at ?? previous.at })), ...json.failures],
    };
  }
}
await mkdir(join(outFile, '..'), { recursive: true });
await writeFileAtomic(outFile, JSON.stringify(json, null, 2) + '\n');
console.log(`results: ${outFile}`);

/** The results file as written before, or undefined when there is none; throws when it is not one. */
async function readPrevious(file: string): Promise<StoredResults | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<StoredResults>;
    if (!Array.isArray(parsed.benchmarks)) throw new Error('no benchmarks array');
    return {
      at: String(parsed.at),
      quick: Boolean(parsed.quick),
      seconds: Number(parsed.seconds),
      machine: parsed.machine,
      benchmarks: parsed.benchmarks,
      failures: Array.isArray(parsed.failures) ? parsed.failures : [],
    };
  } catch (error) {
    // Never silently drop someone's results: refuse to overwrite what cannot be merged.
    throw new Error(`${file} is not a results file to merge into (${String(error)}); move it away or pass --out`, { cause: error });
  }
}
