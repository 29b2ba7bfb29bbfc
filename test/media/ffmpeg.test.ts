import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { ClipShape } from '../../datasets/clip.ts';
import { FfmpegError, probeVideoSize, readFrames, runFfmpeg, writeMp4 } from '../../media/ffmpeg.ts';

/** Whether any temporary file for `path` (`.<name>.tmp-…` beside it) is left. */
function hasTemporaryFile(path: string): boolean {
  const name = basename(path);
  return readdirSync(dirname(path)).some((f) => f.startsWith(`.${name}.tmp-`));
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 't2v-ffmpeg-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Smooth gradients that drift over time: easy for x264, so decoded pixels stay close. */
function smoothClip([t, h, w, c]: ClipShape): Uint8Array {
  const frames = new Uint8Array(t * h * w * c);
  for (let i = 0; i < t; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) frames[((i * h + y) * w + x) * c + ch] = 40 + ((x * 4 + y * 2 + i * 3 + ch * 50) % 170);
  return frames;
}

/** Mean absolute difference between the clip and the top-left w x h region of decoded frames. */
function meanError(frames: Uint8Array, [t, h, w, c]: ClipShape, decoded: Uint8Array, dw: number, dh: number): number {
  let sum = 0;
  for (let i = 0; i < t; i++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) sum += Math.abs(frames[((i * h + y) * w + x) * c + ch] - decoded[((i * dh + y) * dw + x) * c + ch]);
  return sum / frames.length;
}

/** Types of the top-level ISO-BMFF boxes of an MP4 file, in order. */
function topLevelBoxes(file: Buffer): string[] {
  const types: string[] = [];
  for (let offset = 0; offset + 8 <= file.length; ) {
    const size = file.readUInt32BE(offset);
    types.push(file.toString('latin1', offset + 4, offset + 8));
    if (size < 8) break; // 0 = to end of file, 1 = 64-bit size: neither occurs for small files
    offset += size;
  }
  return types;
}

/** ffmpeg processes whose parent is this test process (Linux /proc). */
function ffmpegChildren(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && comm.includes('ffmpeg')) pids.push(Number(entry));
    } catch {
      // process exited while we looked
    }
  }
  return pids;
}

describe('writeMp4', () => {
  test('RGB clip decodes back with the same frame count, size and roughly the same pixels', async () => {
    const shape: ClipShape = [10, 24, 32, 3];
    const frames = smoothClip(shape);
    const path = join(dir, 'rgb.mp4');
    await writeMp4(path, frames, shape, { fps: 8 });
    const boxes = topLevelBoxes(readFileSync(path));
    assert.equal(boxes[0], 'ftyp');
    assert.ok(boxes.indexOf('moov') >= 0 && boxes.indexOf('moov') < boxes.indexOf('mdat'), `faststart puts moov before mdat: ${boxes}`);
    assert.deepEqual(await probeVideoSize(path), { width: 32, height: 24 });
    const decoded = await readFrames(path, { width: 32, height: 24 });
    assert.equal(decoded.length, frames.length);
    assert.ok(meanError(frames, shape, decoded, 32, 24) < 6);
    assert.deepEqual(await readdir(dir), ['rgb.mp4'], 'no temporary file left');
  });

  test('odd-sized grey input is padded to even dimensions, content kept top-left', async () => {
    const shape: ClipShape = [5, 17, 33, 1];
    const frames = smoothClip(shape);
    const path = join(dir, 'nested', 'odd.mp4');
    await writeMp4(path, frames, shape);
    assert.deepEqual(await probeVideoSize(path), { width: 34, height: 18 });
    const decoded = await readFrames(path, { width: 34, height: 18, pixFmt: 'gray' });
    assert.equal(decoded.length, 5 * 18 * 34, 'frame count');
    assert.ok(meanError(frames, shape, decoded, 34, 18) < 6);
  });

  test('scale upscales before padding', async () => {
    const shape: ClipShape = [3, 5, 7, 3];
    const path = join(dir, 'scaled.mp4');
    await writeMp4(path, smoothClip(shape), shape, { scale: 3 });
    assert.deepEqual(await probeVideoSize(path), { width: 22, height: 16 });
    assert.equal((await readFrames(path, { width: 22, height: 16 })).length, 3 * 22 * 16 * 3);
  });

  test('a large input streams through without deadlocking', { timeout: 20_000 }, async () => {
    const shape: ClipShape = [300, 64, 64, 3];
    const frames = smoothClip(shape);
    const path = join(dir, 'large.mp4');
    await writeMp4(path, frames, shape, { fps: 25 });
    const decoded = await readFrames(path, { width: 64, height: 64 });
    assert.equal(decoded.length, frames.length);
  });

  test('an async frame stream works, and a short one fails without leaving files', async () => {
    const shape: ClipShape = [4, 8, 8, 1];
    const frames = smoothClip(shape);
    async function* chunks(bytes: Uint8Array, size: number) {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    }
    const good = join(dir, 'stream.mp4');
    await writeMp4(good, chunks(frames, 50), shape);
    assert.equal((await readFrames(good, { width: 8, height: 8, pixFmt: 'gray' })).length, frames.length);

    const bad = join(dir, 'short.mp4');
    await assert.rejects(writeMp4(bad, chunks(frames.subarray(0, 100), 50), shape), /ended after 100 of 256 bytes/);
    assert.ok(!existsSync(bad) && !hasTemporaryFile(bad));
  });

  test('aborting kills ffmpeg and leaves neither the final nor the temporary file', { timeout: 10_000 }, async () => {
    const shape: ClipShape = [50, 16, 16, 3];
    const path = join(dir, 'aborted.mp4');
    const controller = new AbortController();
    let sent = false;
    // Sends one frame, then stalls until aborted, so ffmpeg is certainly running when we abort.
    async function* stalled() {
      yield new Uint8Array(16 * 16 * 3);
      sent = true;
      await new Promise((resolve) => controller.signal.addEventListener('abort', resolve));
    }
    const writing = writeMp4(path, stalled(), shape, { signal: controller.signal });
    while (!sent) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(ffmpegChildren().length, 1, 'ffmpeg is running');
    const started = Date.now();
    controller.abort();
    await assert.rejects(writing, (error: Error) => error.name === 'AbortError');
    assert.ok(Date.now() - started < 1500, 'stopped without waiting for SIGKILL');
    assert.deepEqual(ffmpegChildren(), [], 'ffmpeg has exited and been reaped');
    assert.ok(!existsSync(path), 'no final file');
    assert.ok(!hasTemporaryFile(path), 'no temporary file');
  });

  test('an already-aborted signal rejects without starting ffmpeg', async () => {
    const path = join(dir, 'never.mp4');
    await assert.rejects(
      writeMp4(path, new Uint8Array(4), [1, 2, 2, 1], { signal: AbortSignal.abort() }),
      (error: Error) => error.name === 'AbortError',
    );
    assert.ok(!existsSync(path) && !hasTemporaryFile(path));
  });

  test('rejects a frames/shape mismatch before running anything', async () => {
    await assert.rejects(writeMp4(join(dir, 'x.mp4'), new Uint8Array(5), [1, 2, 2, 1]), RangeError);
  });
});

describe('runFfmpeg', () => {
  test('a failing invocation rejects with FfmpegError carrying ffmpeg\'s stderr', async () => {
    const missing = join(dir, 'does-not-exist.mp4');
    const error = await runFfmpeg(['-i', missing, '-f', 'null', '-']).then(
      () => assert.fail('should have failed'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof FfmpegError);
    assert.notEqual(error.exitCode, 0);
    assert.match(error.stderr, /No such file or directory/);
    assert.match(error.message, /does-not-exist\.mp4: No such file or directory/);
    assert.deepEqual(error.args, ['-i', missing, '-f', 'null', '-']);
  });

  test('ffmpeg closing stdin early (EPIPE) is not a crash: its exit status decides', async () => {
    const frames = new Uint8Array(8 << 20).fill(7); // far more than a pipe buffer holds
    const raw = ['-f', 'rawvideo', '-pix_fmt', 'gray', '-s', '64x64', '-i', 'pipe:0'];
    // fails before reading much: rejects with ffmpeg's own complaint
    await assert.rejects(runFfmpeg([...raw, '-c:v', 'no_such_codec', '-f', 'null', '-'], { input: frames }), /Unknown encoder 'no_such_codec'/);
    // stops reading after one frame on purpose: succeeds
    const out: Buffer[] = [];
    await runFfmpeg([...raw, '-frames:v', '1', '-f', 'rawvideo', 'pipe:1'], { input: frames, onStdout: (chunk) => out.push(chunk) });
    assert.equal(Buffer.concat(out).length, 64 * 64);
  });

  test('raw bytes in and out through both pipes at once (backpressure both ways)', { timeout: 20_000 }, async () => {
    const shape: ClipShape = [300, 64, 64, 3];
    const frames = smoothClip(shape);
    const chunks: Buffer[] = [];
    await runFfmpeg(['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '64x64', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
      input: frames,
      onStdout: (chunk) => chunks.push(chunk),
    });
    assert.deepEqual(new Uint8Array(Buffer.concat(chunks)), frames);
  });

  test('lots of stderr output (far beyond a pipe buffer) does not block ffmpeg', { timeout: 20_000 }, async () => {
    // showinfo logs a line per frame at info level: ~300 KiB of stderr
    await runFfmpeg(['-loglevel', 'info', '-f', 'lavfi', '-i', 'testsrc=size=16x16:rate=25', '-frames:v', '1000', '-vf', 'showinfo', '-f', 'null', '-']);
  });

  test('a bad T2V_FFMPEG override surfaces as FfmpegError', async () => {
    const saved = process.env.T2V_FFMPEG;
    process.env.T2V_FFMPEG = join(dir, 'no-such-ffmpeg');
    try {
      await assert.rejects(runFfmpeg(['-version']), (error: Error) => error instanceof FfmpegError && /ENOENT/.test(error.message));
    } finally {
      if (saved === undefined) delete process.env.T2V_FFMPEG;
      else process.env.T2V_FFMPEG = saved;
    }
  });

  test('readFrames refuses a size that does not divide the decoded bytes', async () => {
    const shape: ClipShape = [2, 4, 4, 1];
    const path = join(dir, 'tiny.mp4');
    await writeMp4(path, smoothClip(shape), shape);
    await assert.rejects(readFrames(path, { width: 3, height: 3, pixFmt: 'gray' }), /not a whole number/);
  });
});
