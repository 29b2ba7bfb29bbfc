/**
 * A quick look at whether a TGANs-C configuration learns or collapses, before spending hours on it.
 *
 *   node --import tsx bench/quality/probeTganc.ts [--data DIR] [--steps 300] [--every 50] [--clips 2000]
 *     [--preset small] [--size 48] [--encoder bow|lstm] [--backend wasm] [--set '{"realLabel":0.9}']
 *     [--evaluator models/pretrained/digit-evaluator] [--gif outputs/scratch/probe.gif]
 *     [--warmup 300 --warmup-batch 32] [--eval-every 500]   (word classifiers taught on real clips first: TganModel.warmUpWords)
 *
 * Trains on clips of a prepared dataset held in memory and prints, every `every` steps: the losses,
 * the generated pixels' mean against the real clips' mean (a generator stuck on black shows here first),
 * and two spreads in inference mode — between videos of one caption with different noise (`noise`), and
 * between videos of different captions with the same noise (`caption`), mean absolute difference in
 * [0, 1] pixels. Real clips of one caption differ by ~0.05 at 48x48; a collapsed generator gives < 0.01.
 * With an evaluator, the seen/unseen accuracy of 4 videos per caption at the end.
 */
import * as tf from '@tensorflow/tfjs';
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { loadVocabulary } from '../../text/Vocabulary.ts';
import { selectBackend } from '../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../models/kernels/registerKernelFixes.ts';
import { tganPreset, type TganPreset } from '../../models/tganc/tganPresets.ts';
import { TganTrainer, generateVideos } from '../../models/tganc/TganTrainer.ts';
import type { Clip } from '../../datasets/clip.ts';
import { Random } from '../../utils/random.ts';
import { loadEvaluator } from '../../models/eval/trainEvaluator.ts';
import { evaluateCaptionVideos } from '../../models/eval/evaluateCaptionVideos.ts';
import { encodeCaptionedGifGrid } from '../../media/captionedGifGrid.ts';
import { meanPixel } from '../../models/training/dataOutputBias.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: 'outputs/datasets/sbmg-10k' },
    steps: { type: 'string', default: '300' },
    every: { type: 'string', default: '50' },
    clips: { type: 'string', default: '2000' },
    batch: { type: 'string', default: '8' },
    preset: { type: 'string', default: 'small' },
    size: { type: 'string', default: '48' },
    frames: { type: 'string', default: '16' },
    encoder: { type: 'string', default: 'bow' },
    backend: { type: 'string', default: 'wasm' },
    seed: { type: 'string', default: '0' },
    set: { type: 'string', default: '{}' },
    evaluator: { type: 'string' },
    warmup: { type: 'string', default: '0' },
    'eval-every': { type: 'string', default: '0' },
    'warmup-batch': { type: 'string', default: '32' },
    gif: { type: 'string' },
  },
});

const steps = Number(values.steps);
const every = Number(values.every);
const batch = Number(values.batch);
const size = Number(values.size);
const frames = Number(values.frames);
const seed = Number(values.seed);
const { predictWords, ...overrides } = JSON.parse(values.set!) as Record<string, unknown>;

await selectBackend(values.backend as 'wasm', { log: () => {} });
registerKernelFixes();
const dataset = await Dataset.open(values.data!);
const vocabulary = await loadVocabulary(join(values.data!, 'vocabulary.json'));
const clips: Clip[] = [];
for await (const clip of dataset.stream({ split: 'train', limit: Number(values.clips) })) clips.push(clip);
const seen = await dataset.captions('train');
const unseen = await dataset.captions('val');

const trainer = new TganTrainer({
  model: { ...tganPreset(values.preset as TganPreset, size), frames, size, channels: 1, seed, ...overrides },
  vocabulary,
  encoder: { kind: values.encoder as 'bow' | 'lstm' },
  predictWords: predictWords === true,
});
const params = trainer.model.countParams();
console.log(`probe: ${values.preset} ${size}x${size}x${frames}, ${clips.length} clips, overrides ${values.set}, params G ${params.generator} total ${params.total}`);

const realMean = await meanPixel(dataset);

const random = new Random(seed);
let order = clips.map((_, i) => i);
let cursor = order.length;
function nextBatch(): Clip[] {
  const out: Clip[] = [];
  while (out.length < batch) {
    if (cursor >= order.length) {
      order = random.shuffle(order);
      cursor = 0;
    }
    out.push(clips[order[cursor++]!]!);
  }
  return out;
}

/** Mean |a - b| of two byte videos, in [0, 1]. */
function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length / 255;
}

function spreads(): { mean: number; noise: number; caption: number } {
  const captions = [...seen.slice(0, 4), ...unseen.slice(0, 2)];
  const videos = generateVideos(trainer.model, vocabulary, trainer.captionLength, captions, { perCaption: 2, seed: 7 });
  let mean = 0;
  for (const v of videos) mean += v.frames.reduce((a, b) => a + b, 0) / v.frames.length / 255;
  mean /= videos.length;
  let noise = 0;
  for (let i = 0; i < captions.length; i++) noise += meanAbsDiff(videos[2 * i]!.frames, videos[2 * i + 1]!.frames);
  noise /= captions.length;
  // Same noise seed index differs by caption index here, so compare copies across captions directly.
  let caption = 0;
  for (let i = 1; i < captions.length; i++) caption += meanAbsDiff(videos[0]!.frames, videos[2 * i]!.frames);
  caption /= captions.length - 1;
  return { mean, noise, caption };
}

const warmup = Number(values.warmup);
if (warmup > 0) {
  const warmupBatch = Number(values['warmup-batch']);
  const t0 = Date.now();
  let sum = 0;
  for (let round = 0; round < warmup; round++) {
    const chunk = Array.from({ length: warmupBatch }, (_, i) => clips[(round * warmupBatch + i) % clips.length]!);
    sum += trainer.warmUpStep(chunk, round);
    if ((round + 1) % 50 === 0) {
      console.log(`warm-up ${round + 1}/${warmup}: word loss ${(sum / 50).toFixed(3)} | ${((Date.now() - t0) / 1000 / (round + 1)).toFixed(2)} s/update`);
      sum = 0;
    }
  }
  trainer.model.endWarmUp();
}

const evaluator = values.evaluator ? (await loadEvaluator(values.evaluator)).classifier : undefined;
function evaluate(label: string): void {
  if (evaluator === undefined) return;
  const videos = trainer.generate([...seen, ...unseen], { perCaption: 4, seed: 3, size: dataset.meta.shape[1] });
  const { scores } = evaluateCaptionVideos(videos, evaluator, unseen);
  console.log(`eval ${label}: seen ${(100 * scores.seenBoth).toFixed(1)}% (digit ${(100 * scores.seenDigit).toFixed(1)}%, motion ${(100 * scores.seenMotion).toFixed(1)}%), unseen ${(100 * scores.unseenBoth).toFixed(1)}% (digit ${(100 * scores.unseenDigit).toFixed(1)}%, motion ${(100 * scores.unseenMotion).toFixed(1)}%), diversity ${scores.diversity.toFixed(3)}`);
}
const evalEvery = Number(values['eval-every']);

const started = Date.now();
let acc = { d: 0, g: 0, n: 0, rec: 0 };
for (let step = 1; step <= steps; step++) {
  const r = trainer.trainStep(nextBatch());
  acc = { d: acc.d + r.dLoss, g: acc.g + r.gLoss, n: acc.n + 1, rec: acc.rec + (r.parts['reconstruction'] ?? 0) };
  if (step % every === 0 || step === steps) {
    const s = spreads();
    const sec = (Date.now() - started) / 1000;
    console.log(
      `step ${step}: d ${(acc.d / acc.n).toFixed(3)} g ${(acc.g / acc.n).toFixed(3)}${acc.rec > 0 ? ` rec ${(acc.rec / acc.n).toFixed(4)}` : ''} | mean ${s.mean.toFixed(3)} (real ${realMean.toFixed(3)}) | spread noise ${s.noise.toFixed(4)} caption ${s.caption.toFixed(4)} | ${(sec / step).toFixed(2)} s/step`,
    );
    acc = { d: 0, g: 0, n: 0, rec: 0 };
  }
  if (evalEvery > 0 && step % evalEvery === 0 && step < steps) evaluate(`step ${step}`);
}

if (values.gif) {
  const rows = [...seen.slice(0, 4), ...unseen.slice(0, 4)];
  const videos = generateVideos(trainer.model, vocabulary, trainer.captionLength, rows, { perCaption: 3, seed: 11 });
  const gif = encodeCaptionedGifGrid(
    rows.map((caption, i) => ({ label: `${i < 4 ? 'seen' : 'unseen'}: ${caption}`, videos: videos.slice(3 * i, 3 * i + 3) })),
  );
  await mkdir(dirname(values.gif), { recursive: true });
  await writeFile(values.gif, gif);
  console.log(`samples: ${values.gif}`);
}

evaluate(`step ${steps}`);
