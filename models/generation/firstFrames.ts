/**
 * Where a U-Net rollout starts: the first `window` frames of every video. `--first-frame` (the
 * generate-videos `firstFrame` option) says where they come from:
 *
 *   (empty)               a clip of the dataset (`--data DIR`, else the one the model was trained on,
 *                         t2v-model.json training.dataset): one showing the video's caption when the
 *                         dataset has such a clip, else any clip; picked by the video's seed
 *   IMAGE.png             one picture, repeated `window` times (centre-cropped to a square, resized,
 *                         turned grey for a grey model); only PNG is read
 *   dataset:DIR#CLIP_ID   that clip of dataset DIR (its first `window` frames)
 *   dataset:DIR           as (empty), from dataset DIR
 *   CLIP_ID (or #CLIP_ID) that clip of `--data DIR` (else of the training dataset)
 *   stage1:DIR            the Stage-I image a StackGAN-I -> VGAN model folder DIR (kind stackvgan) makes
 *                         for the video's caption and seed, repeated `window` times: text -> image by
 *                         StackGAN, image -> video by the U-Net
 *
 * Everything is a function of the inputs: the same seed picks the same clip.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import type { ClipShape, Split } from '../../datasets/clip.ts';
import { tokenize } from '../../datasets/clip.ts';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import type { ShardIndexEntry } from '../../datasets/shards/format.ts';
import { decodePng } from '../../media/png.ts';
import { UsageError } from '../../pipeline/errors/index.ts';
import { Random } from '../../utils/random.ts';

/** A rollout's start: bytes uint8 [T ≥ window, H, W, C] and where they came from (a clip id or a file). */
export interface FirstFrames {
  frames: Uint8Array;
  shape: ClipShape;
  source: string;
}

export interface FirstFrameSource {
  /** One line saying where first frames come from (for the log). */
  readonly description: string;
  /** The first frames of the video of `caption` with noise seed `seed`. */
  pick(caption: string, seed: number): Promise<FirstFrames>;
  /** Frees what the source holds (a Stage-I model's weights). */
  dispose?(): void;
}

/** What the frames must fit: the model's window, frame size and channels. */
export interface FrameGeometry {
  window: number;
  size: number;
  channels: number;
}

export type FirstFrameSpec =
  | { kind: 'auto'; data?: string }
  | { kind: 'image'; path: string }
  | { kind: 'clip'; id: string; data?: string }
  | { kind: 'stage1'; model: string };

const OTHER_IMAGES = new Set(['.jpg', '.jpeg', '.gif', '.bmp', '.webp', '.tif', '.tiff']);

/** Reads a `--first-frame` value (see the module comment). */
export function parseFirstFrame(spec: string): FirstFrameSpec {
  const text = spec.trim();
  if (text === '') return { kind: 'auto' };
  const ext = extname(text).toLowerCase();
  if (ext === '.png') return { kind: 'image', path: text };
  if (OTHER_IMAGES.has(ext)) throw new UsageError(`--first-frame ${text}: only PNG images are read (convert it, or give a dataset clip as dataset:DIR#CLIP_ID)`);
  if (text.startsWith('stage1:')) {
    const model = text.slice('stage1:'.length);
    if (model === '') throw new UsageError(`--first-frame ${text}: name a StackGAN-I -> VGAN model folder, as stage1:DIR`);
    return { kind: 'stage1', model };
  }
  if (text.startsWith('dataset:')) {
    const rest = text.slice('dataset:'.length);
    const hash = rest.lastIndexOf('#');
    const data = hash < 0 ? rest : rest.slice(0, hash);
    const id = hash < 0 ? '' : rest.slice(hash + 1);
    if (data === '') throw new UsageError(`--first-frame ${text}: name the dataset folder, as dataset:DIR#CLIP_ID or dataset:DIR`);
    return id === '' ? { kind: 'auto', data } : { kind: 'clip', id, data };
  }
  return { kind: 'clip', id: text.startsWith('#') ? text.slice(1) : text };
}

/** The clips of a dataset as listed by its shard indexes (no clip bytes read). */
export class DatasetClips {
  private readonly byId = new Map<string, number>();
  private readonly byCaption = new Map<string, number[]>();

  private constructor(
    readonly dataset: Dataset,
    readonly entries: readonly Pick<ShardIndexEntry, 'id' | 'caption' | 'split'>[],
  ) {
    entries.forEach((e, index) => {
      if (!this.byId.has(e.id)) this.byId.set(e.id, index);
      const key = captionKey(e.caption);
      const list = this.byCaption.get(key) ?? this.byCaption.set(key, []).get(key)!;
      list.push(index);
    });
  }

  static async open(dir: string): Promise<DatasetClips> {
    const dataset = await Dataset.open(dir);
    const entries: Pick<ShardIndexEntry, 'id' | 'caption' | 'split'>[] = [];
    for (const shard of dataset.meta.shards) {
      const text = await readFile(join(dataset.dir, shard.index), 'utf8');
      for (const line of text.split('\n')) {
        if (!line.trim()) continue;
        const { id, caption, split } = JSON.parse(line) as ShardIndexEntry;
        entries.push({ id, caption, split });
      }
    }
    return new DatasetClips(dataset, entries);
  }

  get dir(): string {
    return this.dataset.dir;
  }

  /** Clip numbers (write order) of the clips showing `caption` (same words), optionally of one split. */
  withCaption(caption: string, split?: Split): number[] {
    const all = this.byCaption.get(captionKey(caption)) ?? [];
    return split === undefined ? all : all.filter((i) => this.entries[i]!.split === split);
  }

  indexOf(id: string): number | undefined {
    return this.byId.get(id);
  }

  async clip(index: number): Promise<FirstFrames> {
    const clip = await this.dataset.clip(index);
    return { frames: clip.frames, shape: clip.shape, source: clip.id };
  }

  /** Throws a UsageError when the dataset's clips cannot start a rollout of a model of `geometry`. */
  assertFits(geometry: FrameGeometry, model: string): void {
    const [t, h, w, c] = this.dataset.meta.shape;
    const problem =
      c !== geometry.channels
        ? `clips have ${c} channel(s), the model ${geometry.channels}`
        : h !== w
          ? `clips are ${h}x${w}, not square`
          : t! < geometry.window
            ? `clips have ${t} frames, fewer than the model's window of ${geometry.window}`
            : undefined;
    if (problem !== undefined) throw new UsageError(`${this.dir}: cannot start rollouts of ${model} from its clips: ${problem}`);
  }
}

/** Captions compare by their words (case and punctuation aside). */
function captionKey(caption: string): string {
  return tokenize(caption).join(' ');
}

export interface OpenFirstFramesArgs {
  /** The `--first-frame` value ('' for the default). */
  firstFrame: string;
  /** The `--data` value ('' for none). */
  data: string;
  /** The dataset the model was trained on (t2v-model.json training.dataset), if recorded. */
  trainingDataset?: string | undefined;
  /** Relative paths resolve against this. */
  cwd: string;
  /** The model folder, for messages. */
  model: string;
  geometry: FrameGeometry;
}

/** Dataset folder to read, from (in order) the spec, --data, the model's training record. */
async function openDataset(dir: string | undefined, args: OpenFirstFramesArgs): Promise<DatasetClips> {
  if (dir === undefined || dir === '') {
    throw new UsageError(
      `${args.model} is a U-Net model: it rolls videos out from first frames, and it does not record the dataset it was trained on; give --data DIR, or --first-frame IMAGE.png or dataset:DIR#CLIP_ID`,
    );
  }
  const path = resolve(args.cwd, dir);
  let clips: DatasetClips;
  try {
    clips = await DatasetClips.open(path);
  } catch (error) {
    const from = dir === args.trainingDataset && args.data === '' ? ` (the dataset ${args.model} was trained on)` : '';
    throw new UsageError(
      `first frames: cannot open dataset ${dir}${from}: ${(error as Error).message}; give --data DIR, or --first-frame IMAGE.png or dataset:DIR#CLIP_ID`,
    );
  }
  if (clips.entries.length === 0) throw new UsageError(`first frames: dataset ${dir} holds no clips`);
  clips.assertFits(args.geometry, args.model);
  return clips;
}

/** The first-frame source a `--first-frame` / `--data` pair describes (see the module comment). */
export async function openFirstFrames(args: OpenFirstFramesArgs): Promise<FirstFrameSource> {
  const spec = parseFirstFrame(args.firstFrame);
  if (spec.kind === 'image') {
    const frames = await imageFirstFrames(resolve(args.cwd, spec.path), args.geometry);
    return {
      description: `first frames: ${spec.path}, repeated ${args.geometry.window} times`,
      pick: async () => ({ ...frames, source: spec.path }),
    };
  }
  if (spec.kind === 'stage1') return stage1FirstFrames(spec.model, args);
  const dir = spec.data ?? (args.data !== '' ? args.data : args.trainingDataset);
  const clips = await openDataset(dir, args);
  if (spec.kind === 'clip') {
    const index = clips.indexOf(spec.id);
    if (index === undefined) throw new UsageError(`first frames: dataset ${dir} has no clip "${spec.id}"`);
    const frames = await clips.clip(index);
    return {
      description: `first frames: the first ${args.geometry.window} frames of clip ${spec.id} of ${dir}`,
      pick: async () => frames,
    };
  }
  return {
    description: `first frames: the first ${args.geometry.window} frames of a clip of ${dir} with the video's caption (any clip when none has it), picked by the video's seed`,
    async pick(caption, seed) {
      const same = clips.withCaption(caption);
      const pool = same.length > 0 ? same : clips.entries.map((_, i) => i);
      return clips.clip(pool[pickIndex(seed, pool.length)]!);
    },
  };
}

/** First frames made by the Stage-I generator of a `stackvgan` model folder (see the module comment). */
async function stage1FirstFrames(model: string, args: OpenFirstFramesArgs): Promise<FirstFrameSource> {
  const { readModelInfo } = await import('../io/modelFolder.ts');
  const dir = resolve(args.cwd, model);
  const info = await readModelInfo(dir).catch((error: Error) => {
    throw new UsageError(`--first-frame stage1:${model}: ${error.message}`);
  });
  if (info.kind !== 'stackvgan') throw new UsageError(`--first-frame stage1:${model}: a ${info.kind} model has no Stage-I; give a StackGAN-I -> VGAN model folder (kind stackvgan)`);
  const { StackVganBundle } = await import('../stackvgan/StackVganBundle.ts');
  const bundle = await StackVganBundle.load(dir);
  if (bundle.channels !== args.geometry.channels) {
    bundle.dispose();
    throw new UsageError(`--first-frame stage1:${model}: its images have ${bundle.channels} channel(s), the model ${args.model} takes ${args.geometry.channels}`);
  }
  const { window } = args.geometry;
  return {
    description: `first frames: the Stage-I image of ${model} for the video's caption and seed, repeated ${window} times`,
    async pick(caption, seed) {
      // Stage-I only: the image is what the two-stage chain would animate for this caption and seed.
      const [image] = bundle.stillImages([{ caption, seed }]);
      const [, h, w, c] = image!.shape;
      const frames = new Uint8Array(window * h * w * c);
      for (let t = 0; t < window; t++) frames.set(image!.frames, t * h * w * c);
      return { frames, shape: [window, h, w, c], source: `stage1:${model}` };
    },
    dispose: () => bundle.dispose(),
  };
}

/** Which of `count` clips a video of seed `seed` starts from. */
export function pickIndex(seed: number, count: number): number {
  return Random.derive(seed, 'first-frame').int(0, count - 1);
}

/** A PNG as `window` equal frames: centre-cropped to a square, at its own size (the rollout resizes). */
export async function imageFirstFrames(path: string, geometry: FrameGeometry): Promise<Omit<FirstFrames, 'source'>> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UsageError(`--first-frame ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let image: ReturnType<typeof decodePng>;
  try {
    image = decodePng(bytes);
  } catch (error) {
    throw new UsageError(`--first-frame ${path}: not a PNG image pngjs can read (${(error as Error).message})`);
  }
  const side = Math.min(image.width, image.height);
  const x0 = Math.floor((image.width - side) / 2);
  const y0 = Math.floor((image.height - side) / 2);
  const c = geometry.channels;
  const frame = new Uint8Array(side * side * c);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const s = ((y0 + y) * image.width + x0 + x) * 3;
      const d = (y * side + x) * c;
      if (c === 3) {
        frame[d] = image.data[s]!;
        frame[d + 1] = image.data[s + 1]!;
        frame[d + 2] = image.data[s + 2]!;
      } else {
        // Rec. 601 luma, as a grey frame.
        frame[d] = Math.round(0.299 * image.data[s]! + 0.587 * image.data[s + 1]! + 0.114 * image.data[s + 2]!);
      }
    }
  }
  const frames = new Uint8Array(frame.length * geometry.window);
  for (let k = 0; k < geometry.window; k++) frames.set(frame, k * frame.length);
  return { frames, shape: [geometry.window, side, side, c] };
}
