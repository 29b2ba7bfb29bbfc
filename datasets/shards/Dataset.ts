import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DatasetError } from '../../pipeline/errors/index.ts';
import { Random } from '../../utils/random.ts';
import type { Clip, Split } from '../clip.ts';
import { FORMAT, META_FILE, type DatasetMeta, type ShardIndexEntry } from './format.ts';

export interface StreamArgs {
  /** Only clips of this split. */
  split?: Split;
  /** Shuffle with this seed: shard order, then a buffered shuffle of `shuffleBuffer` clips. */
  shuffleSeed?: number;
  /** Clips held for the buffered shuffle (memory = this many clips). */
  shuffleBuffer?: number;
  /** Stop after this many clips. */
  limit?: number;
}

/**
 * A prepared dataset on disk, read as a stream (bounded memory: one index line and one clip at a time,
 * plus the shuffle buffer) or by index (one shard's index cached at a time).
 */
export class Dataset {
  private cachedIndex: { shard: number; entries: ShardIndexEntry[] } | undefined;
  private readonly firstClipOfShard: number[];

  private constructor(
    readonly dir: string,
    readonly meta: DatasetMeta,
  ) {
    let first = 0;
    this.firstClipOfShard = meta.shards.map((s) => ((first += s.clips), first - s.clips));
  }

  static async open(dir: string): Promise<Dataset> {
    const path = join(dir, META_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new DatasetError(path, code === 'ENOENT' ? 'not a t2v dataset (no dataset.json)' : `cannot read (${code ?? (error as Error).message})`, { cause: error });
    }
    let meta: DatasetMeta;
    try {
      meta = JSON.parse(text) as DatasetMeta;
    } catch (error) {
      throw new DatasetError(path, `not valid JSON (${(error as Error).message})`);
    }
    if (meta.format !== FORMAT || !Array.isArray(meta.shards) || !Array.isArray(meta.shape)) {
      throw new DatasetError(path, `not a ${FORMAT} dataset description`);
    }
    return new Dataset(dir, meta);
  }

  get size(): number {
    return this.meta.clips;
  }

  /** Clip number `index` (0-based, in write order). */
  async clip(index: number): Promise<Clip> {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new RangeError(`clip index ${index} is outside 0..${this.size - 1}`);
    let shard = this.firstClipOfShard.length - 1;
    while (this.firstClipOfShard[shard] > index) shard--;
    if (this.cachedIndex?.shard !== shard) this.cachedIndex = { shard, entries: await this.readIndex(shard) };
    const entry = this.cachedIndex.entries[index - this.firstClipOfShard[shard]];
    const handle = await open(join(this.dir, this.meta.shards[shard].bin), 'r');
    try {
      return await this.readClip(handle, entry, this.meta.shards[shard].bin);
    } finally {
      await handle.close();
    }
  }

  /** Clips as a stream, optionally one split, optionally shuffled by seed. */
  async *stream(args: StreamArgs = {}): AsyncGenerator<Clip> {
    const limit = args.limit ?? Infinity;
    if (limit <= 0) return;
    const random = args.shuffleSeed === undefined ? undefined : new Random(args.shuffleSeed);
    const order = this.meta.shards.map((_, i) => i);
    const shards = random ? random.shuffle(order) : order;
    const bufferSize = random ? Math.max(1, args.shuffleBuffer ?? 256) : 0;
    const buffer: Clip[] = [];
    let count = 0;
    for (const shard of shards) {
      for await (const clip of this.shardClips(shard, args.split)) {
        if (!random) {
          yield clip;
          if (++count >= limit) return;
          continue;
        }
        if (buffer.length < bufferSize) {
          buffer.push(clip);
          continue;
        }
        const pick = random.int(0, bufferSize - 1);
        const out = buffer[pick];
        buffer[pick] = clip;
        yield out;
        if (++count >= limit) return;
      }
    }
    while (buffer.length && count < limit) {
      const pick = random!.int(0, buffer.length - 1);
      const [out] = buffer.splice(pick, 1);
      yield out;
      count++;
    }
  }

  /** The distinct captions of a split (or all), sorted: what a generator is sampled and scored on. */
  async captions(split?: Split): Promise<string[]> {
    const captions = new Set<string>();
    for (let shard = 0; shard < this.meta.shards.length; shard++) {
      for await (const entry of this.indexLines(shard)) if (split === undefined || entry.split === split) captions.add(entry.caption);
    }
    return [...captions].sort();
  }

  /** Recompute each shard's checksum and compare it with dataset.json. */
  async verify(): Promise<{ shard: string; ok: boolean }[]> {
    const results = [];
    for (const shard of this.meta.shards) {
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(join(this.dir, shard.bin))) hash.update(chunk as Buffer);
      results.push({ shard: shard.bin, ok: hash.digest('hex') === shard.sha256 });
    }
    return results;
  }

  private async *shardClips(shard: number, split: Split | undefined): AsyncGenerator<Clip> {
    const info = this.meta.shards[shard];
    const handle = await open(join(this.dir, info.bin), 'r');
    try {
      for await (const entry of this.indexLines(shard)) {
        if (split !== undefined && entry.split !== split) continue;
        yield await this.readClip(handle, entry, info.bin);
      }
    } finally {
      await handle.close();
    }
  }

  private async *indexLines(shard: number): AsyncGenerator<ShardIndexEntry> {
    const path = join(this.dir, this.meta.shards[shard].index);
    const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
    let number = 0;
    try {
      for await (const line of lines) {
        number++;
        if (!line.trim()) continue;
        try {
          yield JSON.parse(line) as ShardIndexEntry;
        } catch {
          throw new DatasetError(path, 'index line is not valid JSON', { line: number });
        }
      }
    } catch (error) {
      if (error instanceof DatasetError) throw error;
      throw new DatasetError(path, `cannot read index (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
    } finally {
      lines.close();
    }
  }

  private async readIndex(shard: number): Promise<ShardIndexEntry[]> {
    const entries: ShardIndexEntry[] = [];
    for await (const entry of this.indexLines(shard)) entries.push(entry);
    return entries;
  }

  private async readClip(handle: FileHandle, entry: ShardIndexEntry, bin: string): Promise<Clip> {
    const frames = new Uint8Array(this.meta.clipBytes);
    const { bytesRead } = await handle.read(frames, 0, frames.length, entry.offset);
    if (bytesRead !== frames.length) throw new DatasetError(join(this.dir, bin), `clip ${entry.id} is truncated (${bytesRead} of ${frames.length} bytes at offset ${entry.offset})`);
    return {
      id: entry.id,
      frames,
      shape: [...this.meta.shape],
      caption: entry.caption,
      tokens: entry.tokens,
      split: entry.split,
      source: entry.source,
      attributes: entry.attributes,
      ...(entry.captions && { captions: entry.captions }),
      ...(entry.captionSource && { captionSource: entry.captionSource }),
    };
  }
}
