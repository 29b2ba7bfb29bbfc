import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { clipByteLength, type Clip, type ClipShape, type Split } from '../../datasets/clip.ts';
import { Dataset } from '../../datasets/shards/Dataset.ts';
import { ShardWriter } from '../../datasets/shards/ShardWriter.ts';
import { FORMAT, META_FILE } from '../../datasets/shards/format.ts';
import { DatasetError, OutputError, T2vError } from '../../pipeline/errors/index.ts';
import { Random } from '../../utils/random.ts';
import { tempDir } from '../helpers/tmp.ts';

const SHAPE: ClipShape = [4, 8, 8, 1];
const CLIP_BYTES = clipByteLength(SHAPE); // 256
const SPLITS: Split[] = ['train', 'train', 'val', 'test'];

/** Clip n: random frames from its own seed, a caption, a split and attributes that vary with n. */
function makeClip(n: number, shape: ClipShape = SHAPE): Clip {
  const random = new Random(`clip-${n}`);
  const frames = new Uint8Array(clipByteLength(shape));
  for (let i = 0; i < frames.length; i++) frames[i] = random.int(0, 255);
  return {
    id: `c-${String(n).padStart(4, '0')}`,
    frames,
    shape: [...shape],
    caption: `clip number ${n} is moving`,
    tokens: ['clip', 'number', String(n), 'is', 'moving'],
    split: SPLITS[n % SPLITS.length],
    source: n % 3 === 0 ? 'alpha' : 'beta',
    attributes: { n, even: n % 2 === 0, nested: { list: [n, n + 1], label: `L${n}` } },
  };
}

function assertSameClip(actual: Clip, expected: Clip): void {
  assert.equal(actual.id, expected.id);
  assert.ok(Buffer.from(actual.frames).equals(Buffer.from(expected.frames)), `${expected.id}: frame bytes differ`);
  assert.deepEqual(actual.shape, expected.shape);
  assert.equal(actual.caption, expected.caption);
  assert.deepEqual(actual.tokens, expected.tokens);
  assert.equal(actual.split, expected.split);
  assert.equal(actual.source, expected.source);
  assert.deepEqual(actual.attributes, expected.attributes);
}

async function collect(iterable: AsyncIterable<Clip>): Promise<Clip[]> {
  const out: Clip[] = [];
  for await (const clip of iterable) out.push(clip);
  return out;
}

async function writeDataset(out: string, clips: readonly Clip[], maxShardBytes = 1000, extra: { attributes?: Record<string, unknown> } = {}) {
  const writer = await ShardWriter.create({ out, maxShardBytes, name: basename(out), ...extra });
  for (const clip of clips) await writer.add(clip);
  return writer.finish();
}

const stagingOf = (out: string) => join(dirname(out), `.${basename(out)}.partial`);

const CLIPS = Array.from({ length: 60 }, (_, n) => makeClip(n));

test('round trip: every clip comes back with its bytes, caption, tokens, split, source and attributes', async () => {
  const out = join(await tempDir(), 'ds');
  const meta = await writeDataset(out, CLIPS);
  const dataset = await Dataset.open(out);
  assert.deepEqual(dataset.meta, meta, 'dataset.json holds what finish() returned');
  const read = await collect(dataset.stream());
  assert.equal(read.length, CLIPS.length);
  read.forEach((clip, i) => assertSameClip(clip, CLIPS[i]));
  assert.equal(existsSync(stagingOf(out)), false, 'no staging folder after finish');
});

test('shards roll over at maxShardBytes; none is larger unless a single clip is', async () => {
  const dir = await tempDir();
  // 1000 bytes hold 3 clips of 256 bytes: 60 clips make 20 shards.
  const meta = await writeDataset(join(dir, 'ds'), CLIPS, 1000);
  assert.equal(meta.shards.length, 20);
  for (const shard of meta.shards) {
    const size = (await stat(join(dir, 'ds', shard.bin))).size;
    assert.equal(size, shard.bytes, `${shard.bin}: size on disk matches dataset.json`);
    assert.equal(size, shard.clips * CLIP_BYTES);
    assert.ok(size <= 1000, `${shard.bin} has ${size} bytes`);
  }
  assert.deepEqual(meta.shards.map((s) => s.bin), meta.shards.map((_, i) => `shard-${String(i).padStart(5, '0')}.bin`));

  // Exactly on the boundary: 1024 bytes hold 4 clips, not 3.
  const exact = await writeDataset(join(dir, 'exact'), CLIPS.slice(0, 10), 1024);
  assert.deepEqual(exact.shards.map((s) => s.clips), [4, 4, 2]);

  // A bound smaller than one clip: one clip per shard, each above the bound.
  const tiny = await writeDataset(join(dir, 'tiny'), CLIPS.slice(0, 5), 100);
  assert.deepEqual(tiny.shards.map((s) => s.clips), [1, 1, 1, 1, 1]);
  assert.ok(tiny.shards.every((s) => s.bytes === CLIP_BYTES));

  // One big shard when the bound is large.
  const big = await writeDataset(join(dir, 'big'), CLIPS, 1 << 20);
  assert.equal(big.shards.length, 1);
  assert.equal(big.shards[0].clips, 60);
});

test('dataset.json records format, shape, counts, splits, sources, shards and attributes', async () => {
  const out = join(await tempDir(), 'my-data');
  await writeDataset(out, CLIPS, 1000, { attributes: { heldOut: ['x', 'y'] } });
  const meta = JSON.parse(await readFile(join(out, META_FILE), 'utf8'));
  assert.equal(meta.format, FORMAT);
  assert.equal(meta.name, 'my-data');
  assert.deepEqual(meta.shape, SHAPE);
  assert.equal(meta.dtype, 'uint8');
  assert.equal(meta.layout, 'THWC');
  assert.equal(meta.clipBytes, CLIP_BYTES);
  assert.equal(meta.clips, 60);
  assert.deepEqual(meta.splits, { train: 30, val: 15, test: 15 });
  assert.deepEqual(meta.sources, { alpha: 20, beta: 40 });
  assert.equal(meta.shards.reduce((sum: number, s: { clips: number }) => sum + s.clips, 0), 60);
  assert.deepEqual(meta.attributes, { heldOut: ['x', 'y'] });
  // Index lines carry offsets that are multiples of clipBytes, in order.
  const index = (await readFile(join(out, meta.shards[1].index), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(index.map((e: { offset: number }) => e.offset), [0, 256, 512]);
  assert.deepEqual(index.map((e: { id: string }) => e.id), ['c-0003', 'c-0004', 'c-0005']);
  // Nothing but the dataset's own files.
  const expected = [META_FILE, ...meta.shards.flatMap((s: { bin: string; index: string }) => [s.bin, s.index])].sort();
  assert.deepEqual((await readdir(out)).sort(), expected);
});

test('verify() passes on a fresh dataset and pinpoints a flipped byte', async () => {
  const out = join(await tempDir(), 'ds');
  const meta = await writeDataset(out, CLIPS.slice(0, 12), 1000);
  const dataset = await Dataset.open(out);
  const fresh = await dataset.verify();
  assert.equal(fresh.length, meta.shards.length);
  assert.ok(fresh.every((r) => r.ok));

  const victim = join(out, meta.shards[2].bin);
  const bytes = await readFile(victim);
  bytes[300] ^= 0x01;
  await writeFile(victim, bytes);
  const after = await dataset.verify();
  assert.deepEqual(after.map((r) => r.ok), meta.shards.map((_, i) => i !== 2));
  assert.equal(after[2].shard, meta.shards[2].bin);
});

test('clip(i) equals the i-th clip of the stream, across shards and in any order', async () => {
  const out = join(await tempDir(), 'ds');
  await writeDataset(out, CLIPS, 1000);
  const dataset = await Dataset.open(out);
  const streamed = await collect(dataset.stream());
  assert.equal(dataset.size, 60);
  const order = new Random(3).shuffle([...Array(60).keys()]);
  for (const i of order) assertSameClip(await dataset.clip(i), streamed[i]);
  for (const bad of [-1, 60, 1.5]) await assert.rejects(dataset.clip(bad), RangeError);
});

test('stream by split: exactly the clips of that split, in stored order', async () => {
  const out = join(await tempDir(), 'ds');
  await writeDataset(out, CLIPS, 1000);
  const dataset = await Dataset.open(out);
  for (const split of ['train', 'val', 'test'] as const) {
    const ids = (await collect(dataset.stream({ split }))).map((c) => c.id);
    assert.deepEqual(ids, CLIPS.filter((c) => c.split === split).map((c) => c.id), split);
  }
});

test('a shuffled stream is a permutation, reproducible by seed and different for another seed', async () => {
  const out = join(await tempDir(), 'ds');
  await writeDataset(out, CLIPS, 1000);
  const dataset = await Dataset.open(out);
  const ids = async (shuffleSeed: number, extra: { split?: Split; shuffleBuffer?: number } = {}) =>
    (await collect(dataset.stream({ shuffleSeed, ...extra }))).map((c) => c.id);
  const all = CLIPS.map((c) => c.id);

  const a = await ids(1, { shuffleBuffer: 8 });
  assert.deepEqual([...a].sort(), all, 'a permutation of all ids');
  assert.notDeepEqual(a, all, 'not the stored order');
  assert.deepEqual(await ids(1, { shuffleBuffer: 8 }), a, 'same seed, same order');
  assert.notDeepEqual(await ids(2, { shuffleBuffer: 8 }), a, 'another seed, another order');

  // A buffer larger than the dataset, and a shuffled split.
  const wide = await ids(5, { shuffleBuffer: 1000 });
  assert.deepEqual([...wide].sort(), all);
  const val = await ids(5, { split: 'val', shuffleBuffer: 4 });
  assert.deepEqual([...val].sort(), CLIPS.filter((c) => c.split === 'val').map((c) => c.id));

  // Shuffled clips still carry their own bytes.
  const byId = new Map(CLIPS.map((c) => [c.id, c]));
  for (const clip of await collect(dataset.stream({ shuffleSeed: 9, shuffleBuffer: 4 }))) assertSameClip(clip, byId.get(clip.id)!);
});

test('limit stops the stream: in order, by split and shuffled', async () => {
  const out = join(await tempDir(), 'ds');
  await writeDataset(out, CLIPS, 1000);
  const dataset = await Dataset.open(out);
  const ids = async (args: Parameters<Dataset['stream']>[0]) => (await collect(dataset.stream(args))).map((c) => c.id);
  assert.deepEqual(await ids({ limit: 5 }), CLIPS.slice(0, 5).map((c) => c.id));
  assert.deepEqual(await ids({ limit: 4, split: 'val' }), CLIPS.filter((c) => c.split === 'val').slice(0, 4).map((c) => c.id));
  const shuffled = await ids({ limit: 7, shuffleSeed: 4, shuffleBuffer: 16 });
  assert.equal(shuffled.length, 7);
  assert.equal(new Set(shuffled).size, 7);
  assert.deepEqual(await ids({ limit: 0 }), []);
  assert.equal((await ids({ limit: 1000 })).length, 60);
});

test('a clip of the wrong shape, byte length or a duplicate id throws a plain Error and writes nothing of it', async () => {
  const out = join(await tempDir(), 'ds');
  const writer = await ShardWriter.create({ out, maxShardBytes: 1000, name: 'ds' });
  await writer.add(CLIPS[0]);
  await writer.add(CLIPS[1]);

  const wrongShape = makeClip(2, [4, 8, 8, 3]);
  const wrongBytes = { ...makeClip(3), frames: new Uint8Array(CLIP_BYTES - 1) };
  const threeD = { ...makeClip(4), shape: [4, 8, 64] as unknown as ClipShape };
  const duplicate = { ...makeClip(5), id: CLIPS[0].id };
  for (const [bad, message] of [
    [wrongShape, /shape \[4, 8, 8, 3\] differs from the dataset's \[4, 8, 8, 1\]/],
    [wrongBytes, /255 bytes of frames, its shape needs 256/],
    [threeD, /shape \[4, 8, 64\]/],
    [duplicate, /duplicate clip id "c-0000"/],
  ] as const) {
    await assert.rejects(writer.add(bad), (error: unknown) => {
      assert.ok(error instanceof Error && !(error instanceof T2vError), `a plain Error, got ${String(error)}`);
      assert.match(error.message, message);
      return true;
    });
  }
  await writer.add(CLIPS[6]);
  const meta = await writer.finish();
  assert.equal(meta.clips, 3);
  assert.deepEqual(meta.splits, { train: 2, val: 1 });
  const dataset = await Dataset.open(out);
  const read = await collect(dataset.stream());
  assert.deepEqual(read.map((c) => c.id), ['c-0000', 'c-0001', 'c-0006']);
  assertSameClip(read[2], CLIPS[6]);
  const total = (await Promise.all(meta.shards.map((s) => stat(join(out, s.bin))))).reduce((sum, s) => sum + s.size, 0);
  assert.equal(total, 3 * CLIP_BYTES, 'no bytes of the refused clips');
});

test('a refused first clip does not fix the dataset shape, and a writer with no accepted clip publishes nothing', async () => {
  const dir = await tempDir();
  const writer = await ShardWriter.create({ out: join(dir, 'a'), maxShardBytes: 1000, name: 'a' });
  await assert.rejects(writer.add({ ...makeClip(0), shape: [4, 8, 64] as unknown as ClipShape }), /shape/);
  await writer.add(makeClip(1));
  assert.deepEqual((await writer.finish()).shape, SHAPE);

  const empty = await ShardWriter.create({ out: join(dir, 'b'), maxShardBytes: 1000, name: 'b' });
  await assert.rejects(empty.add({ ...makeClip(0), frames: new Uint8Array(3) }), /bytes of frames/);
  await assert.rejects(empty.finish(), /no clips to write/);
  await empty.abort();
  assert.equal(existsSync(join(dir, 'b')), false);
  assert.deepEqual((await readdir(dir)).sort(), ['a']);
});

test('abort() leaves neither a staging folder nor an output', async () => {
  const dir = await tempDir();
  const out = join(dir, 'ds');
  const writer = await ShardWriter.create({ out, maxShardBytes: 1000, name: 'ds' });
  for (const clip of CLIPS.slice(0, 10)) await writer.add(clip);
  assert.ok(existsSync(stagingOf(out)), 'writes go to the staging folder');
  assert.ok((await readdir(stagingOf(out))).some((f) => f.endsWith('.bin')), 'closed shards are in staging');
  assert.equal(existsSync(out), false, 'nothing at the output before finish');
  await writer.abort();
  assert.deepEqual(await readdir(dir), []);
});

test('a stale staging folder from an interrupted run is cleared when a writer starts', async () => {
  const dir = await tempDir();
  const out = join(dir, 'ds');
  await mkdir(stagingOf(out));
  await writeFile(join(stagingOf(out), 'shard-00099.bin'), 'stale');
  await writeDataset(out, CLIPS.slice(0, 4));
  assert.deepEqual((await readdir(dir)).sort(), ['ds']);
  assert.equal((await readdir(out)).includes('shard-00099.bin'), false);
});

test('re-publishing over a dataset replaces it atomically: old until finish, new after, nothing left over', async () => {
  const dir = await tempDir();
  const out = join(dir, 'ds');
  await writeDataset(out, CLIPS.slice(0, 9), 1000);

  const writer = await ShardWriter.create({ out, maxShardBytes: 1000, name: 'ds' });
  for (const clip of CLIPS.slice(20, 40)) await writer.add(clip);
  const during = await Dataset.open(out);
  assert.equal(during.size, 9, 'readers see the old dataset while the new one is written');
  assert.deepEqual((await collect(during.stream())).map((c) => c.id), CLIPS.slice(0, 9).map((c) => c.id));
  await writer.finish();

  const after = await Dataset.open(out);
  assert.equal(after.size, 20);
  assert.deepEqual((await collect(after.stream())).map((c) => c.id), CLIPS.slice(20, 40).map((c) => c.id));
  assert.ok((await after.verify()).every((r) => r.ok));
  assert.deepEqual(await readdir(dir), ['ds'], 'no staging or old folder left');

  // An aborted replacement leaves the published dataset alone.
  const failed = await ShardWriter.create({ out, maxShardBytes: 1000, name: 'ds' });
  await failed.add(CLIPS[50]);
  await failed.abort();
  assert.equal((await Dataset.open(out)).size, 20);
  assert.deepEqual(await readdir(dir), ['ds']);
});

/** Opens files whose writes fail with ENOSPC once `capacity` bytes have been written in all. */
function fullDisk(capacity: number) {
  let used = 0;
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  const charge = (data: unknown) => {
    const size = typeof data === 'string' ? Buffer.byteLength(data) : (data as Uint8Array).byteLength;
    if (used + size > capacity) throw enospc();
    used += size;
  };
  return {
    get used() {
      return used;
    },
    async openFile(path: string): Promise<FileHandle> {
      const handle = await open(path, 'w');
      return new Proxy(handle, {
        get(target, property) {
          if (property === 'write' || property === 'writeFile') {
            return async (data: unknown, ...rest: unknown[]) => {
              charge(data);
              return (target[property] as (...args: unknown[]) => Promise<unknown>).call(target, data, ...rest);
            };
          }
          const value = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },
  };
}

test('a full disk raises OutputError; after abort neither output nor staging folder remains', async () => {
  const dir = await tempDir();
  const out = join(dir, 'ds');
  const disk = fullDisk(10 * CLIP_BYTES + 100);
  const writer = await ShardWriter.create({ out, maxShardBytes: 1000, name: 'ds', openFile: (path) => disk.openFile(path) });
  let added = 0;
  let failure: unknown;
  for (const clip of CLIPS) {
    try {
      await writer.add(clip);
      added++;
    } catch (error) {
      failure = error;
      break;
    }
  }
  assert.ok(failure instanceof OutputError, `expected OutputError, got ${String(failure)}`);
  assert.equal(failure.path, out);
  assert.match(failure.message, /ENOSPC/);
  assert.equal((failure.cause as NodeJS.ErrnoException).code, 'ENOSPC');
  assert.ok(added > 0 && added < 10, `${added} clips fitted (the index files take room too)`);
  assert.ok(disk.used <= 10 * CLIP_BYTES + 100);
  await writer.abort();
  assert.deepEqual(await readdir(dir), []);
});

test('a disk that fills up while dataset.json is written: finish raises OutputError and abort cleans up', async () => {
  const dir = await tempDir();
  const out = join(dir, 'ds');
  // Room for the shard and its index (measured on a scratch copy), not for dataset.json.
  const scratch = await writeDataset(join(dir, 'scratch'), CLIPS.slice(0, 6), 1 << 20);
  const needed = (await stat(join(dir, 'scratch', scratch.shards[0].bin))).size + (await stat(join(dir, 'scratch', scratch.shards[0].index))).size;
  await rm(join(dir, 'scratch'), { recursive: true });
  const disk = fullDisk(needed + 10);
  const writer = await ShardWriter.create({ out, maxShardBytes: 1 << 20, name: 'ds', openFile: (path) => disk.openFile(path) });
  for (const clip of CLIPS.slice(0, 6)) await writer.add(clip);
  await assert.rejects(writer.finish(), (error: unknown) => error instanceof OutputError && /ENOSPC/.test(error.message));
  await writer.abort();
  assert.deepEqual(await readdir(dir), []);
});

test('Dataset.open names dataset.json when the folder is missing, the JSON is bad or the format is wrong', async () => {
  const dir = await tempDir();
  const missing = join(dir, 'nope');
  await assert.rejects(Dataset.open(missing), (error: unknown) => {
    assert.ok(error instanceof DatasetError);
    assert.equal(error.path, join(missing, META_FILE));
    assert.match(error.message, new RegExp(`^${join(missing, META_FILE).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a t2v dataset`));
    return true;
  });

  const bad = join(dir, 'bad');
  await mkdir(bad);
  await writeFile(join(bad, META_FILE), '{"format": "t2v-shards", ');
  await assert.rejects(Dataset.open(bad), (error: unknown) => {
    assert.ok(error instanceof DatasetError);
    assert.ok(error.message.startsWith(join(bad, META_FILE)), error.message);
    assert.match(error.message, /not valid JSON/);
    return true;
  });

  const other = join(dir, 'other');
  await mkdir(other);
  await writeFile(join(other, META_FILE), JSON.stringify({ format: 'something-else', shards: [], shape: [] }));
  await assert.rejects(Dataset.open(other), (error: unknown) => error instanceof DatasetError && error.message.includes(join(other, META_FILE)) && /not a t2v-shards/.test(error.message));
});

test('a broken index line or a truncated shard is a DatasetError naming the file', async () => {
  const dir = await tempDir();
  const out = join(dir, 'ds');
  const meta = await writeDataset(out, CLIPS.slice(0, 6), 1000);
  const indexPath = join(out, meta.shards[1].index);
  const lines = (await readFile(indexPath, 'utf8')).split('\n');
  lines[1] = '{not json';
  await writeFile(indexPath, lines.join('\n'));
  await assert.rejects(collect((await Dataset.open(out)).stream()), (error: unknown) => error instanceof DatasetError && error.message.startsWith(`${indexPath}:2:`));

  const out2 = join(dir, 'ds2');
  const meta2 = await writeDataset(out2, CLIPS.slice(0, 3), 1000);
  const bin = join(out2, meta2.shards[0].bin);
  await writeFile(bin, (await readFile(bin)).subarray(0, 600));
  await assert.rejects(collect((await Dataset.open(out2)).stream()), (error: unknown) => error instanceof DatasetError && error.message.includes(bin) && /c-0002 is truncated/.test(error.message));
});

test('a duplicate id in an earlier shard is caught when the dataset is finished, in fixed memory', async () => {
  const dir = await tempDir();
  const out = join(dir, 'dup');
  const writer = await ShardWriter.create({ out, maxShardBytes: clipByteLength(SHAPE) * 4, name: 'dup' });
  for (const clip of CLIPS.slice(0, 20)) await writer.add(clip);
  // c-0003 went into the first shard; the writer is now several shards further on.
  await writer.add({ ...makeClip(30), id: CLIPS[3].id });
  await assert.rejects(writer.finish(), /duplicate clip ids in the dataset: c-0003$/);
  await writer.abort();
  assert.ok(!existsSync(out));
});

test('many distinct ids are never reported as duplicates', async () => {
  const { SeenIds } = await import('../../datasets/shards/SeenIds.ts');
  const seen = new SeenIds();
  for (let i = 0; i < 200_000; i++) {
    const id = `clip-${i}`;
    seen.check(id);
    seen.add(id);
    if (i % 1000 === 999) seen.shardClosed();
  }
  assert.ok(seen.suspects.size < 20, `${seen.suspects.size} false suspects`);
  async function* ids() {
    for (let i = 0; i < 200_000; i++) yield `clip-${i}`;
  }
  assert.deepEqual(await SeenIds.duplicatesAmong(seen.suspects, ids()), []);
});
