/**
 * Run every benchmark (bench/*.bench.ts) in sequence, print their findings and tables, and write all
 * results to outputs/bench/latest.json.
 *
 *   npm run bench                  # full size
 *   npm run bench -- --quick       # CI-sized: small counts, one repetition
 *   npm run bench -- prepare       # only benchmark files whose name contains "prepare"
 *
 * Figures are ratios against a reference measured in the same run plus peak RSS, so that a noisy
 * machine still gives comparable numbers; absolute rates are printed for context only.
 */
import { mkdir, readdir } from 'node:fs/promises';
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

const json = {
  at: new Date().toISOString(),
  quick,
  seconds,
  machine: { node: process.version, platform: platform(), arch: arch(), cpus: cpus().length, cpu: cpus()[0]?.model, totalMemMiB: Math.round(totalmem() / 2 ** 20) },
  benchmarks: reports.map((r) => ({ name: r.name, file: r.file, seconds: r.seconds, summary: r.summary, table: r.table, data: r.data })),
  failures,
};
await mkdir(join(outFile, '..'), { recursive: true });
await writeFileAtomic(outFile, JSON.stringify(json, null, 2) + '\n');
console.log(`results: ${outFile}`);
