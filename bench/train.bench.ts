import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tganPreset } from '../models/tganc/tganPresets.ts';
import type { TganArgs } from '../models/tganc/TganConfig.ts';
import { fixed, median, ROOT, runNodeWorker, type Benchmark, type BenchOptions, type BenchReport } from './lib.ts';
import { TORCH_SCRIPT, WORKER_FILE, tganMacs, trainStepFlops, type TrainPreset, type TrainWorkerResult } from './trainShared.ts';

/**
 * TGANs-C training speed at the training DAG's default shape (48x48x16 grey, batch 8, sentence vectors of
 * 128; the DAG's LSTM caption encoder is left out: it is tiny next to the convolutions). Per backend and
 * preset: ms per D+G step, generator videos/s at batch 16, effective GFLOP/s (analytic count,
 * trainShared.ts) and the worker's peak RSS; every measurement is a fresh process. When PyTorch imports,
 * bench/torch/tganc_step.py runs the same networks in the same run and the tfjs figures are given as speed
 * ratios to it (tfjs rate ÷ torch rate: below 1 is slower). torch gets one thread, as wasm has under Node.
 */

const BATCH = 8;
const GEN_BATCH = 16;
const PRESETS: TrainPreset[] = ['small', 'paper'];
/** pyenv's python3 comes first on PATH here, while Debian's python3-torch installs for /usr/bin/python3. */
const PYTHONS = ['python3', '/usr/bin/python3'];

type Row = { label: string; preset: TrainPreset; result?: TrainWorkerResult; note?: string };

export default {
  name: 'tganc-train',
  async run({ quick, log }: BenchOptions): Promise<BenchReport> {
    const steps = quick ? 2 : 5;
    const genReps = quick ? 1 : 3;
    const args = (preset: TrainPreset): TganArgs => ({ ...tganPreset(preset, 48), frames: 16, size: 48, channels: 1, seed: 0 });
    const common = (preset: TrainPreset, batch: number, n: number, warmup: number, reps: number) =>
      ['--preset', preset, '--batch', String(batch), '--steps', String(n), '--warmup', String(warmup), '--gen-batch', String(GEN_BATCH), '--gen-reps', String(reps)];
    const rows: Row[] = [];
    const attempt = async (label: string, preset: TrainPreset, run: () => Promise<TrainWorkerResult>) => {
      log(`  ${label} ${preset}…`);
      try {
        rows.push({ label, preset, result: await run() });
      } catch (error) {
        // One backend failing (e.g. out of memory) must not hide the others' figures.
        log(`  ${label} ${preset} failed: ${String(error)}`);
        rows.push({ label, preset, note: `failed: ${firstLine(error)}` });
      }
    };

    for (const preset of PRESETS) await attempt('wasm', preset, () => runNodeWorker(WORKER_FILE, ['--backend', 'wasm', ...common(preset, BATCH, steps, 1, genReps)]));
    // cpu is pure JS, ~120x wasm's time per clip: one step of the small preset at batch 1 (~40 s on a loaded
    // machine, plus as long again for the warm-up), and only in the full run.
    if (quick) rows.push({ label: 'cpu', preset: 'small', note: 'skipped in --quick (a step at batch 1 takes ~40 s, plus the warm-up)' });
    else await attempt('cpu', 'small', () => runNodeWorker(WORKER_FILE, ['--backend', 'cpu', ...common('small', 1, 1, 1, 1)]));
    if (!resolvable('@tensorflow/tfjs-node-gpu')) rows.push({ label: 'tensorflow', preset: 'small', note: 'not installed (@tensorflow/tfjs-node-gpu)' });
    else for (const preset of PRESETS) await attempt('tensorflow', preset, () => runNodeWorker(WORKER_FILE, ['--backend', 'tensorflow', ...common(preset, BATCH, steps, 1, genReps)]));

    const python = PYTHONS.find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);
    if (python !== undefined) {
      for (const preset of PRESETS) {
        const config = JSON.stringify(args(preset));
        await attempt('torch', preset, () => runPython(python, [TORCH_SCRIPT, '--config', config, ...common(preset, BATCH, steps, 1, genReps), '--threads', '1']));
      }
    }

    const stepMs = (r: TrainWorkerResult) => median(r.stepMs);
    const clipMs = (r: TrainWorkerResult) => stepMs(r) / r.batch;
    const videosPerSecond = (r: TrainWorkerResult) => r.genBatch / (median(r.genMs) / 1000);
    const gflops = (r: TrainWorkerResult) => trainStepFlops(tganMacs(args(r.preset)), r.batch) / (stepMs(r) / 1000) / 1e9;
    const torchOf = (preset: TrainPreset) => rows.find((row) => row.label === 'torch' && row.preset === preset)?.result;
    // Per clip, so cpu's batch-1 step compares with torch's batch 8 (batch 1 costs more per clip, if anything).
    const trainRatio = (r: TrainWorkerResult) => (torchOf(r.preset) ? clipMs(torchOf(r.preset)!) / clipMs(r) : NaN);
    const genRatio = (r: TrainWorkerResult) => (torchOf(r.preset) ? videosPerSecond(r) / videosPerSecond(torchOf(r.preset)!) : NaN);
    // cpu's ratios are in the thousandths.
    const ratio = (x: number) => fixed(x, x < 0.1 ? 3 : 2);

    const summary: string[] = [
      `TGANs-C at 48x48x16 grey, sentence vectors of 128, Adam, one D + one G step (all three discriminators); ` +
        `${steps} timed steps after a warm-up, medians; generator at batch ${GEN_BATCH}, eval mode, read back.`,
      'Work per clip and step (2 FLOP per multiply-add, bench/trainShared.ts): ' +
        PRESETS.map((p) => `${p} ${fixed(trainStepFlops(tganMacs(args(p)), 1) / 1e9, 2)} GFLOP${seenBy(args(p))}`).join(', ') + '.',
    ];
    for (const row of rows) {
      const r = row.result;
      if (!r) {
        summary.push(`${row.label} ${row.preset}: ${row.note}`);
        continue;
      }
      const vsTorch = torchOf(r.preset) && row.label !== 'torch' ? `; vs torch: train ${ratio(trainRatio(r))}, generate ${ratio(genRatio(r))}` : '';
      summary.push(
        `${row.label} ${r.preset} (batch ${r.batch}): ${fixed(stepMs(r))} ms/step, ${fixed(r.batch / (stepMs(r) / 1000), 2)} clips/s trained, ` +
          `${fixed(gflops(r), 2)} GFLOP/s; generator ${fixed(videosPerSecond(r), 1)} videos/s; peak RSS ${fixed(r.maxRssKiB / 1024)} MiB${vsTorch}`,
      );
    }
    if (python === undefined) summary.push("PyTorch: not available (python3 -c 'import torch' failed)");
    else if (!PRESETS.some(torchOf)) summary.push(`PyTorch: imports through ${python}, but its runs failed (above)`);
    else {
      const { torch, blas } = PRESETS.map(torchOf).find(Boolean)!.detail;
      summary.push(`PyTorch: ${String(torch)} (${String(blas)}) through ${python}, 1 thread; ratios are tfjs rate ÷ torch rate (below 1: tfjs slower)`);
    }

    return {
      name: 'tganc-train',
      summary,
      table: {
        headers: ['backend', 'preset', 'batch', 'ms/step', 'videos/s (gen)', 'GFLOP/s', 'peak RSS MiB', 'train vs torch', 'gen vs torch', 'note'],
        rows: rows.map(({ label, preset, result: r, note }) =>
          r
            ? [label, preset, r.batch, fixed(stepMs(r)), fixed(videosPerSecond(r), 1), fixed(gflops(r), 2), fixed(r.maxRssKiB / 1024), label === 'torch' ? '1' : ratio(trainRatio(r)), label === 'torch' ? '1' : ratio(genRatio(r)), r.warmupMs === null ? 'no warm-up' : '']
            : [label, preset, '', '', '', '', '', '', '', note ?? ''],
        ),
      },
      data: {
        steps,
        genBatch: GEN_BATCH,
        python: python ?? null,
        macsPerClip: Object.fromEntries(PRESETS.map((p) => [p, tganMacs(args(p))])),
        rows: rows.map((row) => (row.result ? { ...row, stepMsMedian: stepMs(row.result), videosPerSecond: videosPerSecond(row.result), gflops: gflops(row.result), trainRatio: trainRatio(row.result), genRatio: genRatio(row.result) } : row)),
      },
    };
  },
} satisfies Benchmark;

/** The presets' frame sampling (tganPresets.ts) changes the work, so the summary says which is measured. */
function seenBy(a: TganArgs): string {
  const parts = [a.frameSamples && `frame D on ${a.frameSamples} sampled frames`, a.motionWindow && `motion D on a ${a.motionWindow}-frame window`];
  return parts.some(Boolean) ? ` (${parts.filter(Boolean).join(', ')})` : ' (all frames)';
}

function resolvable(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** runNodeWorker for the torch script: the last stdout line is the JSON result; stderr passes through on failure. */
function runPython(python: string, args: string[]): Promise<TrainWorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${python} ${args[0]} exited with ${code}\n${stderr.trim()}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as TrainWorkerResult);
      } catch {
        reject(new Error(`${python} ${args[0]} printed no JSON result:\n${stdout}\n${stderr}`));
      }
    });
  });
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
