/**
 * What bench/train.bench.ts and bench/trainWorker.ts share: the worker's result and the analytic work of
 * one TGANs-C train step. Kept free of tfjs so the parent process never loads it (its RSS is not measured,
 * but it should not compete with the worker for memory either).
 */
import { fileURLToPath } from 'node:url';
import { timeStrides, type TganArgs } from '../models/tganc/TganConfig.ts';

export const WORKER_FILE = fileURLToPath(new URL('./trainWorker.ts', import.meta.url));
export const TORCH_SCRIPT = fileURLToPath(new URL('./torch/tganc_step.py', import.meta.url));

export type TrainPreset = 'small' | 'paper';

export interface TrainWorkerResult {
  backend: string;
  preset: TrainPreset;
  batch: number;
  /** The untimed first step (kernel set-up, weight allocation, V8 warm-up); null when none was run. */
  warmupMs: number | null;
  stepMs: number[];
  genBatch: number;
  genMs: number[];
  params: number;
  maxRssKiB: number;
  /** The tfjs backend's own description, or torch's version and threads. */
  detail: Record<string, unknown>;
}

/** Multiply-adds per clip of each network's forward pass. */
export interface TganMacs {
  generator: number;
  /** Per discriminator: the sentence-free trunk and the matching head (per clip, all its steps). */
  discriminators: { kind: 'video' | 'frame' | 'motion'; trunk: number; head: number }[];
}

/**
 * Multiply-adds of the convolutions and dense layers (batch norm, activations, losses and Adam are
 * elementwise and left out), mirroring generator.ts and discriminators.ts: a conv costs output positions ×
 * kernel volume × in × out channels; a transposed conv the same counted on its input positions ('same'
 * padding, edge effects ignored).
 */
export function tganMacs(a: TganArgs): TganMacs {
  const stages = a.gChannels.length;
  const { startFrames, strides } = timeStrides(a.frames, stages);
  const cond = a.conditionDim ?? a.sentenceDim;
  const condDense = a.conditionDim !== undefined ? a.sentenceDim * a.conditionDim : 0;
  const kt = (st: number, t: number) => (st === 2 ? 4 : t === 1 ? 1 : 3);

  let h = a.size / 2 ** stages;
  let t = startFrames;
  let generator = condDense + (a.noiseDim + cond) * t * h * h * a.gChannels[0]!;
  a.gChannels.forEach((cin, i) => {
    const cout = i + 1 < stages ? a.gChannels[i + 1]! : a.channels;
    generator += t * h * h * kt(strides[i]!, t) * 16 * cin * cout;
    t *= strides[i]!;
    h *= 2;
  });

  const dStages = a.dChannels.length;
  const side = a.size / 2 ** dStages;
  const c = a.dChannels[dStages - 1]!;
  // One step of the head: sentence projection, 1x1 joint conv over the map, whole-map logit conv.
  const head = (mapPositions: number) => condDense + mapPositions * ((c + cond) * c + c);

  // Video: 3D convs, time halving in the first stages (the generator's strides, reversed).
  let video = 0;
  let [vt, vh, cin] = [a.frames, a.size, a.channels as number];
  timeStrides(a.frames, dStages).strides.slice().reverse().forEach((st, i) => {
    const k = kt(st, vt);
    vt = Math.ceil(vt / st);
    vh /= 2;
    video += vt * vh * vh * k * 16 * cin * a.dChannels[i]!;
    cin = a.dChannels[i]!;
  });
  // Frame and motion: 2D convs on every frame.
  let perFrame = 0;
  let [fh, fin] = [a.size, a.channels as number];
  for (const cout of a.dChannels) {
    fh /= 2;
    perFrame += fh * fh * 16 * fin * cout;
    fin = cout;
  }
  // frameSamples / motionWindow: the frames those two see per step (the one-hot matMul picking them is a
  // copy, not model work, and is left out).
  const seen = a.frameSamples ?? a.frames;
  const window = a.motionWindow ?? a.frames;
  const discriminators: TganMacs['discriminators'] = [
    { kind: 'video', trunk: video, head: head(vt * side * side) },
    { kind: 'frame', trunk: perFrame * seen, head: seen * head(side * side) },
  ];
  if (a.useMotionDiscriminator) discriminators.push({ kind: 'motion', trunk: perFrame * window, head: (window - 1) * head(side * side) });
  return { generator, discriminators };
}

/**
 * Floating-point operations (2 per multiply-add) of one TganModel.trainStep at batch n. A backward pass
 * costs 2× its forward where both weight and input gradients are taken, 1× where only the input gradient
 * flows through (the discriminators in the G step: tfjs prunes the tape to the generator's variables):
 *   D step: G forward on n                                  G
 *           each d: trunk on n real + n fake, head on 3n    3 · (2n·trunk + 3n·head)
 *   G step: G forward + backward                            3 · G
 *           each d: trunk + head on n, input gradients      2 · n·(trunk + head)
 * The first layer's skipped input gradient and the ops left out by tganMacs are a few per cent at most.
 */
export function trainStepFlops(m: TganMacs, n: number): number {
  let macs = n * m.generator + 3 * n * m.generator;
  for (const d of m.discriminators) macs += 3 * (2 * n * d.trunk + 3 * n * d.head) + 2 * n * (d.trunk + d.head);
  return 2 * macs;
}
