import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { SeenIds } from './SeenIds.ts';
import { join } from 'node:path';
import { OutputError, describeError } from '../../pipeline/errors/index.ts';
import { StagingDirectory } from '../../utils/stagingDirectory.ts';
import { clipByteLength, type Clip, type ClipShape } from '../clip.ts';
import { FORMAT, FORMAT_VERSION, META_FILE, shardNames, type DatasetMeta, type ShardIndexEntry, type ShardInfo } from './format.ts';

export interface ShardWriterArgs {
  /** The dataset folder to create (or replace, atomically). */
  out: string;
  /** A shard is closed before it would grow past this many bytes (always at least one clip). */
  maxShardBytes: number;
  name: string;
  /** Expected clip shape; by default the first clip's shape. */
  shape?: ClipShape;
  attributes?: Record<string, unknown>;
  /** Opens files for writing; tests pass one that fails to simulate a full disk. */
  openFile?: (path: string) => Promise<FileHandle>;
}

/**
 * Writes clips into shards. Everything goes into a staging folder beside `out`; `finish` renames it into
 * place, so readers see either the old dataset or the complete new one, never a partial one. Output
 * bytes depend only on the clips and their order, so an interrupted run re-run gives identical files.
 */
export class ShardWriter {
  private staging!: StagingDirectory;
  private shape: ClipShape | undefined;
  private readonly shards: ShardInfo[] = [];
  private current: { handle: FileHandle; hash: Hash; entries: string[]; bytes: number; names: { bin: string; index: string } } | undefined;
  private readonly ids = new SeenIds();
  private readonly splits: DatasetMeta['splits'] = {};
  private readonly sources: Record<string, number> = {};
  private clips = 0;
  private readonly openFile: (path: string) => Promise<FileHandle>;

  private constructor(private readonly args: ShardWriterArgs) {
    this.shape = args.shape;
    this.openFile = args.openFile ?? ((path) => open(path, 'w'));
  }

  static async create(args: ShardWriterArgs): Promise<ShardWriter> {
    const writer = new ShardWriter(args);
    // A staging folder left by an interrupted run is stale: start clean (the content is reproducible).
    writer.staging = await writer.io(() => StagingDirectory.create(args.out));
    return writer;
  }

  /** Add one clip; throws (without writing anything of it) if its shape, size or id is wrong. */
  async add(clip: Clip): Promise<void> {
    // The first clip that is *accepted* fixes the shape: a refused one must not poison the writer.
    const want = this.shape ?? clip.shape;
    if (clip.shape.length !== 4 || clip.shape.some((n, i) => n !== want[i])) {
      throw new Error(`clip shape [${clip.shape.join(', ')}] differs from the dataset's [${want.join(', ')}]`);
    }
    const bytes = clipByteLength(want);
    if (clip.frames.length !== bytes) throw new Error(`clip has ${clip.frames.length} bytes of frames, its shape needs ${bytes}`);

    this.ids.check(clip.id);
    await this.io(() => this.write(clip, bytes));
    this.ids.add(clip.id);
    this.shape = want;
    this.clips++;
    this.splits[clip.split] = (this.splits[clip.split] ?? 0) + 1;
    this.sources[clip.source] = (this.sources[clip.source] ?? 0) + 1;
  }

  private async write(clip: Clip, bytes: number): Promise<void> {
    if (this.current && this.current.bytes + bytes > this.args.maxShardBytes) await this.closeShard();
    const shard = this.current ?? (await this.openShard());
    const entry: ShardIndexEntry = {
      id: clip.id,
      offset: shard.bytes,
      caption: clip.caption,
      tokens: clip.tokens,
      split: clip.split,
      source: clip.source,
      attributes: clip.attributes,
      captions: clip.captions,
      captionSource: clip.captionSource,
    };
    await shard.handle.write(clip.frames);
    shard.hash.update(clip.frames);
    shard.bytes += bytes;
    shard.entries.push(JSON.stringify(entry));
  }

  /** Close the last shard, write dataset.json and move the dataset into place. */
  async finish(extra: { attributes?: Record<string, unknown> } = {}): Promise<DatasetMeta> {
    if (!this.shape) throw new Error('no clips to write: the dataset would be empty');
    if (this.current) await this.io(() => this.closeShard());
    const duplicates = await SeenIds.duplicatesAmong(this.ids.suspects, this.writtenIds());
    if (duplicates.length) throw new Error(`duplicate clip ids in the dataset: ${duplicates.slice(0, 10).join(', ')}${duplicates.length > 10 ? ', …' : ''}`);
    return this.io(() => this.publish(this.shape!, extra.attributes ?? {}));
  }

  /** Put another file in the dataset (vocabulary, word vectors): written atomically in the staging folder. */
  async addFile(name: string, data: string | Uint8Array): Promise<void> {
    await this.io(() => this.writeWhole(name, data));
  }

  /** The staging folder (for writers of large extra files that stream their own output). */
  get stagingPath(): string {
    return this.staging.path;
  }

  private async publish(shape: ClipShape, attributes: Record<string, unknown>): Promise<DatasetMeta> {
    if (this.current) await this.closeShard();
    const meta: DatasetMeta = {
      format: FORMAT,
      version: FORMAT_VERSION,
      name: this.args.name,
      shape,
      dtype: 'uint8',
      layout: 'THWC',
      clipBytes: clipByteLength(shape),
      clips: this.clips,
      splits: this.splits,
      sources: this.sources,
      shards: this.shards,
      attributes: { ...this.args.attributes, ...attributes },
    };
    await this.writeWhole(META_FILE, JSON.stringify(meta, null, 2) + '\n');
    await this.staging.publish();
    return meta;
  }

  /** Every id written so far, streamed back from the index files in the staging folder. */
  private async *writtenIds(): AsyncGenerator<string> {
    for (const shard of this.shards) {
      const lines = createInterface({ input: createReadStream(join(this.staging.path, shard.index), 'utf8'), crlfDelay: Infinity });
      for await (const line of lines) if (line) yield (JSON.parse(line) as ShardIndexEntry).id;
    }
  }

  /** Remove everything written: used when the run fails or is interrupted. */
  async abort(): Promise<void> {
    await this.current?.handle.close().catch(() => undefined);
    this.current = undefined;
    await this.staging?.discard();
  }

  /** File-system failures (disk full, permissions) end the run: they are not a problem of one clip. */
  private async io<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new OutputError(this.args.out, describeError(error), { cause: error });
    }
  }

  private async openShard() {
    const names = shardNames(this.shards.length);
    const handle = await this.openFile(join(this.staging.path, `${names.bin}.tmp`));
    this.current = { handle, hash: createHash('sha256'), entries: [], bytes: 0, names };
    return this.current;
  }

  private async closeShard(): Promise<void> {
    const shard = this.current!;
    this.current = undefined;
    this.ids.shardClosed();
    try {
      await shard.handle.sync();
    } finally {
      await shard.handle.close();
    }
    await rename(join(this.staging.path, `${shard.names.bin}.tmp`), join(this.staging.path, shard.names.bin));
    await this.writeWhole(shard.names.index, shard.entries.join('\n') + '\n');
    this.shards.push({ bin: shard.names.bin, index: shard.names.index, clips: shard.entries.length, bytes: shard.bytes, sha256: shard.hash.digest('hex') });
  }

  private async writeWhole(name: string, text: string | Uint8Array): Promise<void> {
    const tmp = join(this.staging.path, `${name}.tmp`);
    const handle = await this.openFile(tmp);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, join(this.staging.path, name));
  }
}
