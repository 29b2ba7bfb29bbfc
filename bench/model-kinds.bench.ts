import { fixed, median, runNodeWorker, type Benchmark, type BenchOptions, type BenchReport } from './lib.ts';
import {
  BATCH,
  benchVocabulary,
  FRAMES,
  GEN_BATCH,
  KIND_RUNS,
  KINDS_WORKER,
  REFERENCE,
  SIZE,
  STACKVGAN_CAPTION_LENGTH,
  STACKVGAN_WORD_DIM,
  TGANC_TRAINING,
  UNET_ADV_WEIGHT,
  UNET_WINDOW,
  type KindRun,
  type KindsWorkerResult,
  type PhaseTiming,
} from './kindsShared.ts';

/**
 * Every model kind t2v trains, side by side on wasm at 48x48x16 grey clips, batch 8: ms per training step
 * through the kind's own trainer (TganTrainer, UnetTrainer, StackVganTrainer) on seeded random clips,
 * generation videos/s at batch 16 as `t2v generate` makes them, and each worker's peak RSS. One fresh
 * process per kind and preset (bench/kindsWorker.ts). The figures to compare are the ratios to TGANs-C
 * `small` measured in the same run; absolute times are for context (the machine is shared).
 */

type Row = { run: KindRun; result?: KindsWorkerResult; note?: string };

/** The preset column: the preset, and the generator where a row names one. */
const presetLabel = (run: KindRun) => `${run.preset}${'generator' in run ? ` (${run.generator} generator${'generatorAverage' in run ? ` + average ${run.generatorAverage}` : ''})` : ''}`;
const label = (run: KindRun) => `${run.kind} ${presetLabel(run)}`;

export default {
  name: 'model-kinds',
  async run({ quick, log }: BenchOptions): Promise<BenchReport> {
    const steps = quick ? 2 : 5;
    const genReps = quick ? 1 : 3;
    const rows: Row[] = [];
    for (const run of KIND_RUNS) {
      log(`  ${label(run)}…`);
      try {
        const result = await runNodeWorker<KindsWorkerResult>(KINDS_WORKER, ['--kind', run.kind, '--preset', run.preset, ...('generator' in run ? ['--generator', run.generator] : []), ...('generatorAverage' in run ? ['--generator-average', String(run.generatorAverage)] : []), '--steps', String(steps), '--gen-reps', String(genReps)]);
        rows.push({ run, result });
        const main = result.phases[0]!;
        log(`  ${label(run)}: ${fixed(median(main.stepMs))} ms/${main.phase} step, ${fixed(videosPerSecond(result), 2)} videos/s, peak RSS ${fixed(result.maxRssKiB / 1024)} MiB`);
      } catch (error) {
        // One kind failing (e.g. out of memory) must not hide the others' figures.
        log(`  ${label(run)} failed: ${String(error)}`);
        rows.push({ run, note: `failed: ${firstLine(error)}` });
      }
    }

    const reference = rows.find((r) => r.run === REFERENCE)?.result;
    const refStepMs = reference ? median(reference.phases[0]!.stepMs) : NaN;
    const refVideos = reference ? videosPerSecond(reference) : NaN;
    const stepRatio = (p: PhaseTiming) => median(p.stepMs) / refStepMs;
    const genRatio = (r: KindsWorkerResult) => videosPerSecond(r) / refVideos;

    const vocabularySize = benchVocabulary().size;
    const summary: string[] = [
      `wasm, ${SIZE}x${SIZE}x${FRAMES} grey clips (seeded random pixels, captions like "digit 3 is moving left and right", vocabulary of ${vocabularySize} ids), batch ${BATCH}: ` +
        `per phase 1 untimed warm-up step, then ${steps} timed, medians; generation at batch ${GEN_BATCH}, inference mode, read back to the host (1 untimed pass, then ${genReps} timed).`,
      `Ratios to ${label(REFERENCE)} in the same run: step time ÷ reference step time (above 1: slower per step), videos/s ÷ reference videos/s (above 1: faster).`,
      `tganc: one D + one G step (all three discriminators); the training configuration: preset + ${JSON.stringify(TGANC_TRAINING)}; generation: one generator pass; (sprite generator): generator 'sprite' (a 28x28 sprite moved along a drawn path), all else the same; + average: also generatorAverage (one moving-average update of the generator's weights per step).`,
      `unet: window ${UNET_WINDOW}, one (window, next frame) pair per clip; mse phase (predictor only), then adversarial phase (advWeight ${UNET_ADV_WEIGHT}: a frame-discriminator update, then the predictor's); ` +
        `generation: rollout of ${FRAMES - UNET_WINDOW} frames from ${UNET_WINDOW} given ones (${FRAMES}-frame videos).`,
      `stackvgan: caption length ${STACKVGAN_CAPTION_LENGTH}, random word vectors of ${STACKVGAN_WORD_DIM}; gan phase (Stage-I and Stage-II G and D) measured, text phase (VAE + Siamese) on ≤2 steps; ` +
        `generation: caption → Stage-I image → Stage-II video.`,
    ];
    for (const { run, result: r, note } of rows) {
      if (!r) {
        summary.push(`${label(run)}: ${note}`);
        continue;
      }
      const phases = r.phases.map((p) => `${p.phase} ${fixed(median(p.stepMs))} ms/step (×${fixed(stepRatio(p), 2)})`).join(', ');
      summary.push(`${label(run)}: ${phases}; ${fixed(videosPerSecond(r), 2)} videos/s (×${fixed(genRatio(r), 2)}); ${(r.params / 1e6).toFixed(2)} M params; peak RSS ${fixed(r.maxRssKiB / 1024)} MiB`);
    }
    if (!reference) summary.push(`the reference (${label(REFERENCE)}) failed: no ratios`);

    const tableRows: (string | number)[][] = [];
    for (const { run, result: r, note } of rows) {
      if (!r) {
        tableRows.push([run.kind, presetLabel(run), '', '', '', '', '', '', '', note ?? '']);
        continue;
      }
      r.phases.forEach((p, i) => {
        const first = i === 0;
        tableRows.push([
          run.kind,
          presetLabel(run),
          p.phase,
          fixed(median(p.stepMs)),
          fixed(stepRatio(p), 2),
          first ? fixed(videosPerSecond(r), 2) : '',
          first ? fixed(genRatio(r), 2) : '',
          first ? r.params.toLocaleString('en-US') : '',
          first ? fixed(r.maxRssKiB / 1024) : '',
          [run === REFERENCE && first ? 'reference' : '', p.stepMs.length < steps ? `${p.stepMs.length} timed steps` : ''].filter(Boolean).join('; '),
        ]);
      });
    }

    return {
      name: 'model-kinds',
      summary,
      table: { headers: ['kind', 'preset', 'step', 'ms/step', 'step time ÷ ref', 'videos/s (gen)', 'videos/s ÷ ref', 'params', 'peak RSS MiB', 'note'], rows: tableRows },
      data: {
        steps,
        genReps,
        batch: BATCH,
        genBatch: GEN_BATCH,
        geometry: { frames: FRAMES, size: SIZE, channels: 1 },
        reference: label(REFERENCE),
        tgancTraining: TGANC_TRAINING,
        unet: { window: UNET_WINDOW, advWeight: UNET_ADV_WEIGHT },
        stackvgan: { captionLength: STACKVGAN_CAPTION_LENGTH, wordDim: STACKVGAN_WORD_DIM },
        rows: rows.map(({ run, result: r, note }) =>
          r
            ? { ...run, ...r, phases: r.phases.map((p) => ({ ...p, stepMsMedian: median(p.stepMs), stepRatio: stepRatio(p) })), videosPerSecond: videosPerSecond(r), genRatio: genRatio(r) }
            : { ...run, note },
        ),
      },
    };
  },
} satisfies Benchmark;

function videosPerSecond(r: KindsWorkerResult): number {
  return r.genBatch / (median(r.genMs) / 1000);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
