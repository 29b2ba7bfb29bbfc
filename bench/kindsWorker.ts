/**
 * One measurement of the model-kinds benchmark, in a fresh process so its peak RSS is its own:
 *
 *   node --import tsx bench/kindsWorker.ts --kind tganc|unet|stackvgan --preset P --steps 5 --gen-reps 3
 *
 * On wasm, at 48x48x16 grey clips, batch 8 (bench/kindsShared.ts): the kind's own trainer on seeded random
 * clips (a step's cost does not depend on the data). Every phase measured gets one untimed warm-up step,
 * then `steps` timed ones; trainStep reads its losses back, so no queued work escapes the timer. Then
 * generation at batch 16 as `t2v generate` makes the videos (inference mode, bytes on the host): one
 * untimed pass, then `gen-reps` timed ones. Prints one JSON line (a KindsWorkerResult) on stdout.
 */
import { parseArgs } from 'node:util';
import { selectBackend } from '../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../models/kernels/registerKernelFixes.ts';
import { tganPreset, TGAN_PRESETS, type TganPreset } from '../models/tganc/tganPresets.ts';
import { TganTrainer } from '../models/tganc/TganTrainer.ts';
import { unetPreset, UNET_PRESETS, type UnetPreset } from '../models/unet/unetPresets.ts';
import { UnetTrainer } from '../models/unet/UnetTrainer.ts';
import { stackVganPreset, STACKVGAN_PRESETS, type StackVganPreset } from '../models/stackvgan/stackVganPresets.ts';
import { StackVganTrainer } from '../models/stackvgan/StackVganTrainer.ts';
import { randomWordTable } from '../models/stackvgan/wordTable.ts';
import { Random } from '../utils/random.ts';
import type { Clip } from '../datasets/clip.ts';
import {
  BATCH,
  benchCaption,
  benchVocabulary,
  CHANNELS,
  FRAMES,
  GEN_BATCH,
  KIND_RUNS,
  randomClips,
  SIZE,
  STACKVGAN_CAPTION_LENGTH,
  STACKVGAN_WORD_DIM,
  TGANC_TRAINING,
  UNET_ADV_WEIGHT,
  UNET_WINDOW,
  type KindsWorkerResult,
  type ModelKindName,
  type PhaseTiming,
} from './kindsShared.ts';

const { values } = parseArgs({
  options: {
    kind: { type: 'string' },
    preset: { type: 'string', default: 'small' },
    generator: { type: 'string', default: 'conv3d' },
    'generator-average': { type: 'string', default: '0' },
    steps: { type: 'string', default: '5' },
    'gen-reps': { type: 'string', default: '3' },
  },
  strict: true,
});
const kind = values.kind as ModelKindName;
const preset = values.preset!;
const generator = values.generator as 'conv3d' | 'sprite';
const generatorAverage = Number(values['generator-average']);
const [steps, genReps] = [values.steps, values['gen-reps']].map(Number) as [number, number];
const presets: Record<ModelKindName, readonly string[]> = { tganc: TGAN_PRESETS, unet: UNET_PRESETS, stackvgan: STACKVGAN_PRESETS };
if (!KIND_RUNS.some((r) => r.kind === kind) || !presets[kind].includes(preset) || ![steps, genReps].every((v) => Number.isInteger(v) && v >= 1) || !['conv3d', 'sprite'].includes(generator) || !(generatorAverage >= 0 && generatorAverage < 1)) {
  process.stderr.write('usage: kindsWorker.ts --kind tganc|unet|stackvgan --preset P [--generator conv3d|sprite] [--generator-average D] --steps N --gen-reps N\n');
  process.exit(2);
}

const info = await selectBackend('wasm');
// Without it conv3dTranspose has no gradient and the wasm conv kernels are the slow or wrong stock ones.
registerKernelFixes();
const vocabulary = benchVocabulary();
const log = (line: string) => process.stderr.write(`    ${kind} ${preset} ${line}\n`);

let batchSeed = 0;
/** One untimed warm-up step, then `count` timed ones; each on fresh clips made outside the timer. */
function timePhase(phase: string, count: number, step: (clips: Clip[]) => { phase?: string; losses: number[] }): PhaseTiming {
  const stepMs: number[] = [];
  let warmupMs = NaN;
  for (let i = 0; i <= count; i++) {
    const clips = randomClips(BATCH, batchSeed++);
    const t0 = performance.now();
    const result = step(clips);
    const ms = performance.now() - t0;
    if (result.phase !== undefined && result.phase !== phase) throw new Error(`${phase} step ${i}: the model trained a ${result.phase} step`);
    if (!result.losses.every(Number.isFinite)) throw new Error(`${phase} step ${i}: losses ${result.losses.join(', ')}`);
    if (i === 0) warmupMs = ms;
    else stepMs.push(ms);
    log(`${phase} step ${i}${i === 0 ? ' (warm-up)' : ''}: ${ms.toFixed(0)} ms`);
  }
  return { phase, warmupMs, stepMs };
}

/** One untimed pass, then `genReps` timed ones; `make(rep)` makes GEN_BATCH videos as bytes and returns their frame count. */
function timeGeneration(make: (rep: number) => number): { genMs: number[]; genFrames: number } {
  const genMs: number[] = [];
  let genFrames = 0;
  for (let i = 0; i <= genReps; i++) {
    const t0 = performance.now();
    genFrames = make(i);
    const ms = performance.now() - t0;
    if (i > 0) genMs.push(ms);
    log(`generate ${GEN_BATCH}${i === 0 ? ' (warm-up)' : ''}: ${ms.toFixed(0)} ms`);
  }
  return { genMs, genFrames };
}

/** GEN_BATCH captions of generation pass `rep` (seeded: the same run makes the same videos). */
const genCaptions = (rep: number): string[] => {
  const random = Random.derive(rep, 'bench-gen-captions');
  return Array.from({ length: GEN_BATCH }, () => benchCaption(random));
};

/** Every video of a batch must have come back, with the expected frame count. */
function checked(videos: readonly { shape: readonly number[] }[], frames: number): number {
  if (videos.length !== GEN_BATCH || videos.some((v) => v.shape[0] !== frames)) throw new Error(`generation made ${videos.length} videos of ${videos[0]?.shape[0]} frames`);
  return frames;
}

let phases: PhaseTiming[];
let generation: { genMs: number[]; genFrames: number };
let params: number;
let dispose: () => void;

if (kind === 'tganc') {
  const trainer = new TganTrainer({
    model: { ...tganPreset(preset as TganPreset, SIZE), ...TGANC_TRAINING.model, generator, ...(generatorAverage > 0 ? { generatorAverage } : {}), frames: FRAMES, size: SIZE, channels: CHANNELS, seed: 0 },
    encoder: TGANC_TRAINING.encoder,
    predictWords: TGANC_TRAINING.predictWords,
    vocabulary,
  });
  phases = [
    timePhase('D+G', steps, (clips) => {
      const r = trainer.trainStep(clips);
      return { losses: [r.dLoss, r.gLoss] };
    }),
  ];
  generation = timeGeneration((rep) => checked(trainer.generate(genCaptions(rep), { seed: rep, batch: GEN_BATCH }), FRAMES));
  params = trainer.model.countParams().total;
  dispose = () => trainer.model.dispose();
} else if (kind === 'unet') {
  // MSE only for the warm-up and the timed steps, then the adversarial phase (UnetModel.phaseAt).
  const trainer = new UnetTrainer({
    model: { ...unetPreset(preset as UnetPreset), frames: UNET_WINDOW, size: SIZE, channels: CHANNELS, seed: 0, advWeight: UNET_ADV_WEIGHT, adversarialFromStep: steps + 1 },
    vocabulary,
    clipFrames: FRAMES,
  });
  const step = (clips: Clip[]) => {
    const r = trainer.trainStep(clips);
    return { phase: r.phase, losses: [r.loss, ...(r.dLoss !== undefined ? [r.dLoss] : [])] };
  };
  const mse = timePhase('mse', steps, step);
  const adversarial = timePhase('adversarial', steps, step);
  phases = [mse, adversarial];
  // From the first UNET_WINDOW frames of (random) clips, as `t2v generate` does from dataset clips.
  generation = timeGeneration((rep) => checked(trainer.generate(genCaptions(rep), randomClips(GEN_BATCH, 1000 + rep), FRAMES - UNET_WINDOW, { batch: GEN_BATCH }), FRAMES));
  params = trainer.model.countParams().total;
  dispose = () => {
    trainer.model.dispose();
    trainer.encoder.dispose();
  };
} else {
  // The text phase first (its steps come first by number): one warm-up and up to 2 timed steps, then the GAN phase.
  const textTimed = Math.min(steps, 2);
  const trainer = new StackVganTrainer({
    model: {
      ...stackVganPreset(preset as StackVganPreset),
      frames: FRAMES,
      size: SIZE,
      channels: CHANNELS,
      captionLength: STACKVGAN_CAPTION_LENGTH,
      wordDim: STACKVGAN_WORD_DIM,
      seed: 0,
      textSteps: textTimed + 1,
    },
    vocabulary,
    wordTable: randomWordTable(vocabulary, STACKVGAN_WORD_DIM, 0),
  });
  const step = (clips: Clip[]) => {
    const r = trainer.trainStep(clips);
    return { phase: r.phase, losses: Object.values(r.losses) };
  };
  const text = timePhase('text', textTimed, step);
  const gan = timePhase('gan', steps, step);
  phases = [gan, text];
  generation = timeGeneration((rep) => checked(trainer.generate(genCaptions(rep).map((caption, k) => ({ caption, seed: rep * GEN_BATCH + k })), { batch: GEN_BATCH }), FRAMES));
  params = trainer.model.countParams()['total']!;
  dispose = () => trainer.model.dispose();
}

const result: KindsWorkerResult = {
  kind,
  preset,
  backend: info.name,
  batch: BATCH,
  phases,
  genBatch: GEN_BATCH,
  ...generation,
  params,
  maxRssKiB: process.resourceUsage().maxRSS,
};
dispose();
process.stdout.write(JSON.stringify(result) + '\n');
