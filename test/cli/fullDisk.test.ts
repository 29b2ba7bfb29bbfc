import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ShardWriter } from '../../datasets/shards/ShardWriter.ts';
import { bouncingDigits } from '../../datasets/synthetic/bouncingDigits.ts';
import { hasStack, messages, show, t2v } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const DAG = `name: fill
params:
  out: data
  count: 100
stages:
  digits:
    uses: bouncing-digits
    with: {count: "\${params.count}", seed: 2}
  shards:
    uses: write-shards
    from: digits
    with: {out: "\${params.out}", maxShardMB: 1}
`;

/**
 * Mount a 2 MiB tmpfs at `dir` for the test, or skip it (not root, no mount permission in this container).
 * Unmounted when the test ends.
 */
async function tinyDisk(t: TestContext, dir: string): Promise<boolean> {
  await mkdir(dir);
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { encoding: 'utf8' });
  if (mount.error || mount.status !== 0) {
    t.skip(`cannot mount a tmpfs to fill up (${mount.error?.message ?? mount.stderr.trim()}); needs root and mount permission`);
    return false;
  }
  return true;
}

function unmount(dir: string): void {
  const result = spawnSync('umount', [dir], { encoding: 'utf8' });
  assert.equal(result.status, 0, `umount ${dir}: ${result.stderr}`);
}

/** The lines of a failed run: the one-line error, then where the run record is. */
function assertNoSpace(result: Awaited<ReturnType<typeof t2v>>, path: string): void {
  assert.equal(result.code, 1, show(result));
  assert.equal(hasStack(result.stderr), false, show(result));
  const lines = messages(result);
  assert.equal(lines.length, 2, show(result));
  assert.ok(lines[0].includes(path), show(result));
  assert.match(lines[0], /ENOSPC: no space left on device/);
  assert.match(lines[1], /^t2v: run failed; see outputs\/\S+\/manifest\.json/);
}

test('a full disk while writing shards: exit 1 naming ENOSPC, and the disk holds only what it held before', async (t) => {
  const dir = await tempDir('t2v-full-');
  const disk = join(dir, 'disk');
  if (!(await tinyDisk(t, disk))) return;
  try {
    await writeFile(join(dir, 'fill.yaml'), DAG);
    await writeFile(join(disk, 'keep.txt'), 'here before');
    // 100 clips of 64 KiB are 6.4 MB: the 2 MB disk fills up in the third shard.
    const result = await t2v(['run', 'fill.yaml', '--set', `out=${join(disk, 'data')}`, '--progress', 'none'], dir);
    assertNoSpace(result, join(disk, 'data'));
    assert.match(messages(result)[0], new RegExp(`^t2v: cannot write ${join(disk, 'data')}: ENOSPC`));
    assert.deepEqual(await readdir(disk), ['keep.txt']);
    assert.equal(await readFile(join(disk, 'keep.txt'), 'utf8'), 'here before');
    const manifest = JSON.parse(await readFile(join(dir, 'outputs/fill', (await readdir(join(dir, 'outputs/fill'))).find((f) => f !== 'dag.lock.json')!, 'manifest.json'), 'utf8'));
    assert.equal(manifest.status, 'failed');
    assert.match(manifest.error, /ENOSPC/);
  } finally {
    unmount(disk);
  }
});

test('a full disk while exporting GIFs: exit 1 naming ENOSPC, no partial export left', async (t) => {
  const dir = await tempDir('t2v-full-');
  const disk = join(dir, 'disk');
  if (!(await tinyDisk(t, disk))) return;
  try {
    const dataset = join(dir, 'data');
    const writer = await ShardWriter.create({ out: dataset, maxShardBytes: 1 << 22, name: 'data' });
    for (const clip of bouncingDigits({ count: 24, seed: 4 })) await writer.add(clip);
    await writer.finish();
    // Leave about 40 KB free: a few GIFs fit, not 24.
    const { bavail, bsize } = await statfs(disk);
    await writeFile(join(disk, 'filler.bin'), new Uint8Array(bavail * bsize - 40_000));
    const result = await t2v(['export', dataset, '--out', join(disk, 'gifs'), '--format', 'gif'], dir);
    assertNoSpace(result, join(disk, 'gifs'));
    assert.deepEqual((await readdir(disk)).sort(), ['filler.bin']);
  } finally {
    unmount(disk);
  }
});

test('a full disk is not a problem of one clip: export-videos with onError: skip still fails the run', async (t) => {
  const dir = await tempDir('t2v-full-');
  const disk = join(dir, 'disk');
  if (!(await tinyDisk(t, disk))) return;
  try {
    await writeFile(
      join(dir, 'gifs.yaml'),
      `name: gifs
stages:
  digits:
    uses: bouncing-digits
    with: {count: 24, seed: 4}
  videos:
    uses: export-videos
    from: digits
    onError: skip
    with: {out: ${join(disk, 'gifs')}, format: gif}
`,
    );
    const { bavail, bsize } = await statfs(disk);
    await writeFile(join(disk, 'filler.bin'), new Uint8Array(bavail * bsize - 40_000));
    const result = await t2v(['run', 'gifs.yaml', '--progress', 'none'], dir);
    // Not 24 rejects and a published, incomplete export with a half-written GIF in it.
    assertNoSpace(result, join(disk, 'gifs'));
    assert.doesNotMatch(result.stdout, /run succeeded/);
    assert.deepEqual((await readdir(disk)).sort(), ['filler.bin']);
  } finally {
    unmount(disk);
  }
});
