import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateDag } from '../../pipeline/dag/validateDag.ts';
import { runDag } from '../../pipeline/run/runDag.ts';
import { builtinStages } from '../../stages/index.ts';
import { ShardWriter } from '../../datasets/shards/ShardWriter.ts';
import { bouncingDigits } from '../../datasets/synthetic/bouncingDigits.ts';
import { tempDir } from '../helpers/tmp.ts';

async function dataset(dir: string, count: number): Promise<string> {
  const out = join(dir, 'data');
  const writer = await ShardWriter.create({ out, maxShardBytes: 1 << 20, name: 'data' });
  for (const clip of bouncingDigits({ count, seed: 3, size: 32, frames: 4, valFraction: 0 })) await writer.add(clip);
  await writer.finish();
  return out;
}

test('read-shards with epochs: 0 repeats until downstream is done, then stops', async () => {
  const dir = await tempDir();
  const data = await dataset(dir, 5);
  const registry = builtinStages();
  const dag = validateDag({
    file: 'repeat.yaml',
    registry,
    text: `
name: repeat
stages:
  clips:
    uses: read-shards
    with: {dataset: ${JSON.stringify(data)}, epochs: 0, shuffleSeed: 1, shuffleBuffer: 4}
  sheet:
    uses: preview
    from: clips
    with: {out: sheet.png, limit: 12}
`,
  });
  const result = await runDag({ dag, registry, runsDir: join(dir, 'runs'), cwd: dir, progress: 'none', write: () => undefined });
  assert.equal(result.status, 'succeeded', String(result.error));
  assert.equal(result.results.get('sheet')!.clips, 12);
  assert.ok(result.stats.get('clips')!.out <= 12 + 8, `the endless reader stopped after ${result.stats.get('clips')!.out} clips`);
});

test('read-shards with epochs: 2 gives every clip twice, each pass in its own shuffled order', async () => {
  const dir = await tempDir();
  const data = await dataset(dir, 30);
  const registry = builtinStages();
  const dag = validateDag({
    file: 'two.yaml',
    registry,
    text: `
name: two
stages:
  clips:
    uses: read-shards
    with: {dataset: ${JSON.stringify(data)}, epochs: 2, shuffleSeed: 7, shuffleBuffer: 8}
  videos:
    uses: export-videos
    from: clips
    with: {out: gifs, scale: 1}
`,
  });
  const result = await runDag({ dag, registry, runsDir: join(dir, 'runs'), cwd: dir, progress: 'none', write: () => undefined });
  assert.equal(result.status, 'succeeded', String(result.error));
  assert.equal(result.stats.get('clips')!.out, 60);
  assert.equal(result.stats.get('clips')!.total, 60);
  const names = (await readFile(join(dir, 'gifs', 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l).video as string);
  const [first, second] = [names.slice(0, 30), names.slice(30)];
  assert.deepEqual([...first].sort(), [...second].sort(), 'each pass holds every clip once');
  assert.notDeepEqual(first, second, 'the passes are shuffled differently');
});
