import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VideoSegment } from '../../datasets/segment.ts';
import { ExtractError, extractFrames, naturalCompare, selectFrames } from '../../media/extractFrames.ts';
import type { ExtractFramesArgs } from '../../media/extractFrames.ts';
import { FfmpegError, runFfmpeg } from '../../media/ffmpeg.ts';
import { tempDir } from '../helpers/tmp.ts';

const dir = await tempDir('t2v-extract-');

// The "ramp" clip: 40 flat grey frames at 10 fps, frame k has brightness 20 + 5k, so every output
// frame says which source frame it came from (see frameNumbers).
const RAMP_FRAMES = 40;
const RAMP_W = 32;
const RAMP_H = 24;
const rampValue = (k: number) => 20 + 5 * k;

const ramp = {
  avi: join(dir, 'ramp.avi'), // mpeg4, a keyframe every 12 frames: seeks land mid-GOP
  mp4: join(dir, 'ramp.mp4'), // lossless x264 with B-frames
  jpgs: join(dir, 'ramp-jpg'), // 0001.jpg ...
  pngs: join(dir, 'ramp-png'), // 1.png ... 40.png: unpadded names, sorted by number
};
const scene = { mp4: join(dir, 'scene.mp4'), jpgs: join(dir, 'scene-jpg') };
const bars = {
  png: join(dir, 'bars-png'),
  mp4: join(dir, 'bars.mp4'),
  portrait: join(dir, 'bars-portrait.mp4'),
  anamorphic: join(dir, 'bars-anamorphic.mp4'),
};
const grey = join(dir, 'grey.avi');

before(async () => {
  const raw = new Uint8Array(RAMP_FRAMES * RAMP_W * RAMP_H);
  for (let k = 0; k < RAMP_FRAMES; k++) raw.fill(rampValue(k), k * RAMP_W * RAMP_H, (k + 1) * RAMP_W * RAMP_H);
  const rawIn = ['-f', 'rawvideo', '-pix_fmt', 'gray', '-s', `${RAMP_W}x${RAMP_H}`, '-framerate', '10', '-i', 'pipe:0'];
  await mkdir(ramp.jpgs);
  await mkdir(ramp.pngs);
  await mkdir(scene.jpgs);
  await mkdir(bars.png);
  // Red outer strips [0,40) and [160,200) that a centre crop must remove, blue and green inside.
  const barsSource = 'color=c=red:s=200x100:r=10:d=1,drawbox=x=40:y=0:w=60:h=100:color=blue:t=fill,drawbox=x=100:y=0:w=60:h=100:color=green:t=fill';
  await Promise.all([
    runFfmpeg([...rawIn, '-c:v', 'mpeg4', '-q:v', '1', '-g', '12', ramp.avi], { input: raw }),
    runFfmpeg([...rawIn, '-c:v', 'libx264', '-qp', '0', '-pix_fmt', 'yuv420p', ramp.mp4], { input: raw }),
    runFfmpeg([...rawIn, '-q:v', '2', '-f', 'image2', join(ramp.jpgs, '%04d.jpg')], { input: raw }),
    runFfmpeg([...rawIn, '-f', 'image2', join(ramp.pngs, '%d.png')], { input: raw }),
    runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=10:d=3', '-c:v', 'libx264', '-crf', '12', '-pix_fmt', 'yuv420p', scene.mp4]),
    runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x120:r=10:d=3', '-q:v', '2', '-f', 'image2', join(scene.jpgs, '%04d.jpg')]),
    runFfmpeg(['-f', 'lavfi', '-i', barsSource, '-frames:v', '3', '-f', 'image2', join(bars.png, '%02d.png')]),
    runFfmpeg(['-f', 'lavfi', '-i', barsSource, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', bars.mp4]),
    runFfmpeg(['-f', 'lavfi', '-i', `${barsSource},transpose=1`, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', bars.portrait]),
    // Stored 100x100 with 2:1 pixels, so it displays as 200x100 like the others.
    runFfmpeg(['-f', 'lavfi', '-i', `${barsSource},scale=100:100,setsar=2`, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', bars.anamorphic]),
    runFfmpeg(['-f', 'lavfi', '-i', 'color=c=0x808080:s=48x32:r=10:d=1', '-c:v', 'mpeg4', '-q:v', '1', grey]),
  ]);
});

const video = (path: string): VideoSegment['media'] => ({ kind: 'video', path });
const folder = (path: string, fps = 10): VideoSegment['media'] => ({ kind: 'frames', dir: path, fps });

function args(media: VideoSegment['media'], extra: Partial<ExtractFramesArgs> = {}): ExtractFramesArgs {
  return { media, frames: 4, size: 16, channels: 3, ...extra };
}

/** Which ramp frame each output frame is, from its mean brightness. */
function frameNumbers(out: Uint8Array, t: number): number[] {
  assert.equal(out.length % t, 0);
  const frameBytes = out.length / t;
  return Array.from({ length: t }, (_, k) => {
    let sum = 0;
    for (let i = k * frameBytes; i < (k + 1) * frameBytes; i++) sum += out[i];
    const mean = sum / frameBytes;
    const n = Math.round((mean - 20) / 5);
    assert.ok(Math.abs(mean - rampValue(n)) <= 2, `frame ${k} is flat grey ${mean}, close to a ramp value`);
    return n;
  });
}

const rampSources = [
  ['avi (mpeg4)', video(ramp.avi)],
  ['mp4 (x264)', video(ramp.mp4)],
  ['jpg folder', folder(ramp.jpgs)],
  ['png folder', folder(ramp.pngs)],
] as const;

async function rejectsWith(promise: Promise<unknown>, reason: ExtractError['reason'], ...fragments: string[]): Promise<ExtractError> {
  let caught: unknown;
  await assert.rejects(promise, (error) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof ExtractError, `expected an ExtractError, got ${String(caught)}`);
  assert.equal(caught.reason, reason, caught.message);
  assert.ok(!caught.message.includes('\n'), `one-line message: ${caught.message}`);
  for (const fragment of fragments) assert.ok(caught.message.includes(fragment), `"${caught.message}" mentions "${fragment}"`);
  return caught;
}

describe('output shape', () => {
  for (const [name, media] of [...rampSources, ['mp4 (testsrc2)', video(scene.mp4)]] as const) {
    for (const channels of [1, 3] as const) {
      test(`${name}, C=${channels}: T*S*S*C bytes`, async () => {
        const out = await extractFrames({ media, frames: 5, size: 24, channels });
        assert.ok(out instanceof Uint8Array);
        assert.equal(out.length, 5 * 24 * 24 * channels);
      });
    }
  }
});

describe('resize and centre crop', () => {
  type Colour = 'red' | 'green' | 'blue' | 'other';
  const colourOf = (r: number, g: number, b: number): Colour =>
    r > 150 && g < 90 && b < 90 ? 'red' : g > 90 && r < 90 && b < 90 ? 'green' : b > 150 && r < 90 && g < 90 ? 'blue' : 'other';

  /** Colours of frame 0 as rows of single letters, e.g. "bbbbgggg". */
  function colours(out: Uint8Array, size: number): string[] {
    const rows: string[] = [];
    for (let y = 0; y < size; y++) {
      let row = '';
      for (let x = 0; x < size; x++) {
        const o = (y * size + x) * 3;
        row += colourOf(out[o], out[o + 1], out[o + 2])[0];
      }
      rows.push(row);
    }
    return rows;
  }

  /** After the crop only x 50..150 of the 200x100 source is left: blue then green halves, no red. */
  function assertBlueGreenHalves(rows: string[], size: number, transposed = false): void {
    const all = rows.join('');
    assert.ok(!all.includes('r'), `no red left after the crop:\n${rows.join('\n')}`);
    const margin = 3; // scaler and 4:2:0 chroma blur the boundary
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        const along = transposed ? i : j;
        const c = rows[i][j];
        if (along < size / 2 - margin) assert.equal(c, 'b', `pixel (${i},${j}) blue:\n${rows.join('\n')}`);
        if (along >= size / 2 + margin) assert.equal(c, 'g', `pixel (${i},${j}) green:\n${rows.join('\n')}`);
      }
    }
  }

  test('landscape PNG frames: short side scaled to S, sides cropped away', async () => {
    const out = await extractFrames({ media: folder(bars.png), frames: 3, size: 32, channels: 3 });
    assertBlueGreenHalves(colours(out, 32), 32);
  });

  test('landscape video', async () => {
    const out = await extractFrames({ media: video(bars.mp4), frames: 2, size: 64, channels: 3 });
    assertBlueGreenHalves(colours(out, 64), 64);
  });

  test('portrait video: top and bottom cropped away', async () => {
    // transpose=1 turns the source clockwise: blue ends up on top, green below.
    const out = await extractFrames({ media: video(bars.portrait), frames: 2, size: 48, channels: 3 });
    assertBlueGreenHalves(colours(out, 48), 48, true);
  });

  test('non-square pixels: the display aspect ratio decides what is cropped', async () => {
    const out = await extractFrames({ media: video(bars.anamorphic), frames: 2, size: 32, channels: 3 });
    assertBlueGreenHalves(colours(out, 32), 32);
  });

  test('C=1 gives one grey byte per pixel', async () => {
    const out = await extractFrames({ media: video(grey), frames: 3, size: 20, channels: 1 });
    assert.equal(out.length, 3 * 20 * 20);
    for (const v of out) assert.ok(Math.abs(v - 128) <= 3, `grey 0x80 decodes to ${v}`);
  });
});

describe('picking frames', () => {
  for (const [name, media] of rampSources) {
    describe(name, () => {
      test('uniform over the whole clip, first and last included', async () => {
        assert.deepEqual(frameNumbers(await extractFrames(args(media, { frames: 5 })), 5), [0, 10, 20, 29, 39]);
      });

      test('uniform over a seconds range [start, end)', async () => {
        // frames 10..24 (times 1.0 .. 2.4) lie in [1.0, 2.5)
        const out = await extractFrames(args(media, { range: { unit: 'seconds', start: 1, end: 2.5 } }));
        assert.deepEqual(frameNumbers(out, 4), [10, 15, 19, 24]);
      });

      test('uniform over a 1-based inclusive frame range', async () => {
        const out = await extractFrames(args(media, { frames: 6, range: { unit: 'frames', start: 5, end: 20 } }));
        assert.deepEqual(frameNumbers(out, 6), [4, 7, 10, 13, 16, 19]);
      });

      test('a range of exactly T frames gives all of them', async () => {
        const out = await extractFrames(args(media, { frames: 3, range: { unit: 'frames', start: 38, end: 40 } }));
        assert.deepEqual(frameNumbers(out, 3), [37, 38, 39]);
      });

      test('fps mode over the whole clip: the frame showing at k / fps', async () => {
        const out = await extractFrames(args(media, { frames: 10, fps: 4 }));
        assert.deepEqual(frameNumbers(out, 10), [0, 2, 5, 7, 10, 12, 15, 17, 20, 22]);
      });

      test('fps mode from the start of a seconds range', async () => {
        const out = await extractFrames(args(media, { fps: 5, range: { unit: 'seconds', start: 1, end: 3 } }));
        assert.deepEqual(frameNumbers(out, 4), [10, 12, 14, 16]);
      });

      test('fps mode from the start of a frame range', async () => {
        const out = await extractFrames(args(media, { frames: 5, fps: 3, range: { unit: 'frames', start: 5, end: 20 } }));
        assert.deepEqual(frameNumbers(out, 5), [4, 7, 10, 14, 17]);
      });

      test('fps above the source rate repeats frames', async () => {
        assert.deepEqual(frameNumbers(await extractFrames(args(media, { fps: 20 })), 4), [0, 0, 1, 1]);
      });

      test('too few frames in a frame range: too-short with both counts', async () => {
        await rejectsWith(extractFrames(args(media, { range: { unit: 'frames', start: 1, end: 3 } })), 'too-short', '3 frames', '4 needed');
      });

      test('a frame range running past the end counts only the frames there are', async () => {
        await rejectsWith(extractFrames(args(media, { range: { unit: 'frames', start: 39, end: 60 } })), 'too-short', '2 frames', '4 needed');
      });

      test('fps mode: a range too short for T frames at that rate is too-short, not padded', async () => {
        // 16 frames = 1.6 s: at 3 fps that is frames at 0, 0.33, 0.67, 1.0 and 1.33 s, not 6
        await rejectsWith(
          extractFrames(args(media, { frames: 6, fps: 3, range: { unit: 'frames', start: 5, end: 20 } })),
          'too-short',
          'giving 5',
          '6 needed',
        );
        // 4 s at 2 fps gives 8
        await rejectsWith(extractFrames(args(media, { frames: 10, fps: 2 })), 'too-short', '8', '10 needed');
        await rejectsWith(
          extractFrames(args(media, { frames: 10, fps: 5, range: { unit: 'seconds', start: 3, end: 10 } })),
          'too-short',
          '5',
          '10 needed',
        );
      });

      test('a range after the end is empty', async () => {
        await rejectsWith(extractFrames(args(media, { range: { unit: 'seconds', start: 10, end: 12 } })), 'empty');
        await rejectsWith(extractFrames(args(media, { range: { unit: 'frames', start: 50, end: 60 } })), 'empty');
        await rejectsWith(extractFrames(args(media, { fps: 2, range: { unit: 'frames', start: 50, end: 60 } })), 'empty');
      });
    });
  }

  test('seconds range that starts between frames begins at the next frame', async () => {
    for (const media of [video(ramp.mp4), folder(ramp.jpgs)]) {
      const out = await extractFrames(args(media, { frames: 15, range: { unit: 'seconds', start: 1.05, end: 2.55 } }));
      assert.deepEqual(frameNumbers(out, 15), Array.from({ length: 15 }, (_, i) => 11 + i));
    }
  });

  test('maxDecodedFrames bounds what uniform mode holds, keeping first and last exact', async () => {
    const exact = [0, 13, 26, 39];
    for (const media of [video(ramp.avi), video(ramp.mp4)]) {
      assert.deepEqual(frameNumbers(await extractFrames(args(media)), 4), exact);
      const bounded = frameNumbers(await extractFrames(args(media, { maxDecodedFrames: 8 })), 4);
      assert.equal(bounded[0], 0);
      assert.equal(bounded[3], 39);
      // at most 8 kept means every 8th frame of 40: picks land within 4 frames of exact
      for (let k = 1; k < 3; k++) assert.ok(Math.abs(bounded[k] - exact[k]) <= 4, `pick ${k}: ${bounded[k]} vs ${exact[k]}`);
      assert.ok(bounded[1] < bounded[2]);
    }
  });

  test('frame folders are read in numeric name order', async () => {
    const names = await readdir(ramp.pngs);
    assert.ok(names.includes('9.png') && names.includes('10.png'));
    assert.deepEqual(['10.png', '9.png', '1.png', 'a2.png', 'a10.png'].sort(naturalCompare), ['1.png', '9.png', '10.png', 'a2.png', 'a10.png']);
    const out = await extractFrames(args(folder(ramp.pngs), { frames: 3, range: { unit: 'frames', start: 8, end: 12 } }));
    assert.deepEqual(frameNumbers(out, 3), [7, 9, 11]);
  });
});

describe('uniform mode over a frame range: the T frames are picked inside ffmpeg', () => {
  // A frame range's length is known, so its T frames are selected inside ffmpeg; without a range (or
  // with a seconds range) every frame comes to Node and is sampled there. Both must give the same bytes.
  const same = (a: Uint8Array, b: Uint8Array, what: string) => assert.ok(Buffer.from(a).equals(Buffer.from(b)), what);

  test('the same bytes as sampling every decoded frame', async () => {
    const sources: [path: string, frames: number][] = [[ramp.avi, RAMP_FRAMES], [ramp.mp4, RAMP_FRAMES], [scene.mp4, 30], [bars.anamorphic, 10]];
    for (const [path, n] of sources) {
      for (const channels of [1, 3] as const) {
        for (const frames of [1, 4, 7]) {
          const whole = await extractFrames({ media: video(path), frames, size: 20, channels });
          const ranged = await extractFrames({ media: video(path), frames, size: 20, channels, range: { unit: 'frames', start: 1, end: n } });
          same(ranged, whole, `${path}, T=${frames}, C=${channels}`);
        }
      }
    }
    // A sub-range against the same frames as a seconds range: frames 11..30 are 1.0 s .. 2.9 s.
    const sub = await extractFrames(args(video(scene.mp4), { frames: 6, range: { unit: 'frames', start: 11, end: 30 } }));
    same(sub, await extractFrames(args(video(scene.mp4), { frames: 6, range: { unit: 'seconds', start: 1, end: 3 } })), 'frames 11..30');
  });

  /** The argument lists of the processes `work` starts (ChildProcess#spawn is what spawn() calls). */
  async function spawnedArgs(work: () => Promise<unknown>): Promise<string[][]> {
    const proto = ChildProcess.prototype as unknown as { spawn(this: ChildProcess, options: { args: string[] }): unknown };
    const original = proto.spawn;
    const seen: string[][] = [];
    proto.spawn = function (this: ChildProcess, options: { args: string[] }) {
      seen.push(options.args.slice(1));
      return original.call(this, options);
    };
    try {
      await work();
    } finally {
      proto.spawn = original;
    }
    return seen;
  }

  test('one ffmpeg, which outputs only the T picks; a second one only when the video ends early', async () => {
    const range = { unit: 'frames', start: 5, end: 20 } as const;
    const [only] = await spawnedArgs(() => extractFrames(args(video(ramp.avi), { frames: 6, range })));
    assert.ok(only, 'ffmpeg ran');
    const filters = only[only.indexOf('-vf') + 1];
    assert.match(filters, /^trim=start_frame=4:end_frame=20,select=eq\(n\\,0\)\+eq\(n\\,3\)\+.*eq\(n\\,15\),scale=/);
    assert.equal(only[only.indexOf('-frames:v') + 1], '6');
    const past = await spawnedArgs(() => extractFrames(args(video(ramp.avi), { range: { unit: 'frames', start: 21, end: 60 } })));
    assert.equal(past.length, 2);
    assert.ok(!past[1][past[1].indexOf('-vf') + 1].includes('select='), 'the second one decodes the whole range');
  });

  test('a range running past the end of the video samples the frames there are, as before', async () => {
    for (const media of [video(ramp.avi), video(ramp.mp4)]) {
      // frames 21..40 exist, 41..60 do not: T picks spread over the 20 there are
      const out = await extractFrames(args(media, { range: { unit: 'frames', start: 21, end: 60 } }));
      assert.deepEqual(frameNumbers(out, 4), [20, 26, 33, 39]);
      const one = await extractFrames(args(media, { frames: 1, range: { unit: 'frames', start: 31, end: 60 } }));
      assert.deepEqual(frameNumbers(one, 1), [30]);
    }
  });

  test('exact whatever maxDecodedFrames: only the T picks are held', async () => {
    for (const media of [video(ramp.avi), video(ramp.mp4)]) {
      const out = await extractFrames(args(media, { maxDecodedFrames: 8, range: { unit: 'frames', start: 1, end: 40 } }));
      assert.deepEqual(frameNumbers(out, 4), [0, 13, 26, 39]);
    }
  });

  test('many picks in one select expression', async () => {
    const long = join(dir, 'long.avi');
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=32x24:r=25:d=44', '-c:v', 'mpeg4', '-q:v', '2', long]);
    const base = { media: video(long), frames: 1000, size: 8, channels: 1 } as const;
    const whole = await extractFrames(base);
    same(await extractFrames({ ...base, range: { unit: 'frames', start: 1, end: 1100 } }), whole, 'T=1000 of 1100');
  });

  test('selectFrames: one escaped eq() per distinct index', () => {
    assert.equal(selectFrames([0, 5, 5, 9]), 'select=eq(n\\,0)+eq(n\\,5)+eq(n\\,9)');
    assert.throws(() => selectFrames([]), RangeError);
    assert.throws(() => selectFrames([1.5]), RangeError);
  });
});

test('a folder mixing JPEG and PNG frames', async () => {
  const mixed = join(dir, 'mixed');
  await mkdir(mixed);
  for (let i = 1; i <= 20; i++) {
    const source = i <= 10 ? join(ramp.jpgs, `${String(i).padStart(4, '0')}.jpg`) : join(ramp.pngs, `${i}.png`);
    await writeFile(join(mixed, `${String(i).padStart(2, '0')}${i <= 10 ? '.jpeg' : '.PNG'}`), readFileSync(source));
  }
  const out = await extractFrames(args(folder(mixed), { frames: 5, channels: 1 }));
  assert.deepEqual(frameNumbers(out, 5), [0, 5, 10, 14, 19]);
});

describe('frames folder equals the video', () => {
  test('uniform and fps mode, within JPEG/x264 tolerance', async () => {
    for (const extra of [{}, { fps: 3 }, { range: { unit: 'seconds', start: 0.5, end: 2.5 } } as const]) {
      const a = await extractFrames({ media: video(scene.mp4), frames: 6, size: 32, channels: 3, ...extra });
      const b = await extractFrames({ media: folder(scene.jpgs), frames: 6, size: 32, channels: 3, ...extra });
      assert.equal(a.length, b.length);
      let sum = 0;
      for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
      const mean = sum / a.length;
      assert.ok(mean < 8, `mean absolute difference ${mean.toFixed(2)} (${JSON.stringify(extra)})`);
    }
  });

  test('and differs clearly when the frames are not the same', async () => {
    const a = await extractFrames({ media: video(scene.mp4), frames: 6, size: 32, channels: 3 });
    const b = await extractFrames({ media: folder(scene.jpgs), frames: 6, size: 32, channels: 3, range: { unit: 'frames', start: 3, end: 30 } });
    let sum = 0;
    for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
    assert.ok(sum / a.length > 8, 'testsrc2 moves enough for the comparison above to mean something');
  });
});

describe('errors', () => {
  test('missing video file, frames folder or frame image', async () => {
    const gone = join(dir, 'nope.avi');
    await rejectsWith(extractFrames(args(video(gone))), 'missing', gone);
    await rejectsWith(extractFrames(args(folder(join(dir, 'no-such-dir')))), 'missing', 'no-such-dir');
    await rejectsWith(extractFrames(args(video(ramp.jpgs))), 'missing', ramp.jpgs);
  });

  test('random bytes named .avi are corrupt, with ffmpeg\'s reason', async () => {
    const path = join(dir, 'random.avi');
    const bytes = new Uint8Array(20_000);
    let x = 12345;
    for (let i = 0; i < bytes.length; i++) bytes[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
    await writeFile(path, bytes);
    const error = await rejectsWith(extractFrames(args(video(path))), 'corrupt', path, 'Invalid data');
    assert.ok(error.cause instanceof FfmpegError);
    await rejectsWith(extractFrames(args(video(path), { fps: 2, range: { unit: 'frames', start: 1, end: 9 } })), 'corrupt', path);
    // an empty file too
    const empty = join(dir, 'empty.mp4');
    await writeFile(empty, '');
    await rejectsWith(extractFrames(args(video(empty))), 'corrupt', empty);
  });

  test('a broken image in a frames folder is corrupt, naming it', async () => {
    const broken = join(dir, 'broken-jpg');
    await mkdir(broken);
    const good = readFileSync(join(ramp.jpgs, '0001.jpg'));
    for (let i = 1; i <= 6; i++) await writeFile(join(broken, `${String(i).padStart(2, '0')}.jpg`), good);
    const junk = Buffer.alloc(3000, 0x5a);
    junk.set([0xff, 0xd8, 0xff, 0xe0]); // a JPEG signature, then nonsense
    await writeFile(join(broken, '04.jpg'), junk);
    await rejectsWith(extractFrames(args(folder(broken))), 'corrupt', broken, '04.jpg');
    await writeFile(join(broken, '04.jpg'), 'not an image at all');
    await rejectsWith(extractFrames(args(folder(broken))), 'corrupt', '04.jpg', 'not a JPEG or PNG');
    // frames that are not picked are never read
    const out = await extractFrames(args(folder(broken), { frames: 2, range: { unit: 'frames', start: 5, end: 6 } }));
    assert.equal(out.length, 2 * 16 * 16 * 3);
  });

  test('a folder without images is empty', async () => {
    const none = join(dir, 'no-images');
    await mkdir(none);
    await writeFile(join(none, 'notes.txt'), 'hi');
    await rejectsWith(extractFrames(args(folder(none))), 'empty', none);
  });

  test('an empty range is empty; malformed arguments are RangeErrors', async () => {
    await rejectsWith(extractFrames(args(video(ramp.avi), { range: { unit: 'seconds', start: 2, end: 2 } })), 'empty');
    await rejectsWith(extractFrames(args(folder(ramp.jpgs), { range: { unit: 'frames', start: 9, end: 8 } })), 'empty');
    for (const bad of [
      { frames: 0 },
      { size: 2.5 },
      { fps: 0 },
      { channels: 2 as 3 },
      { maxDecodedFrames: 7 },
      { range: { unit: 'frames', start: 0, end: 3 } as const },
      { range: { unit: 'seconds', start: Number.NaN, end: 3 } as const },
    ]) {
      await assert.rejects(extractFrames(args(video(ramp.avi), bad)), RangeError, JSON.stringify(bad));
    }
  });
});

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

describe('abort', () => {
  test('aborting kills ffmpeg mid-decode and rejects with an AbortError', { timeout: 15_000 }, async () => {
    // An endless MJPEG stream through a named pipe: extraction can only end by being aborted.
    const fifo = join(dir, 'endless.mjpeg');
    execFileSync('mkfifo', [fifo]);
    const writer = new AbortController();
    const writing = runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=25', '-c:v', 'mjpeg', '-f', 'mjpeg', '-y', fifo], {
      signal: writer.signal,
      killGraceMs: 200,
    }).catch((error: unknown) => error);
    const controller = new AbortController();
    const extracting = extractFrames(args(video(fifo), { signal: controller.signal }));
    extracting.catch(() => {});
    try {
      const waitStart = Date.now();
      while (ffmpegChildren().length < 2 && Date.now() - waitStart < 5000) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(ffmpegChildren().length, 2, 'writer and reader are running');
      await new Promise((resolve) => setTimeout(resolve, 300)); // well into decoding
      const started = Date.now();
      controller.abort();
      await assert.rejects(extracting, (error: Error) => error.name === 'AbortError');
      assert.ok(Date.now() - started < 1500, 'stopped by SIGTERM, without waiting for SIGKILL');
      // the writer dies of a broken pipe once its reader is gone
      const writerResult = await writing;
      assert.ok(writerResult instanceof FfmpegError, String(writerResult));
      assert.deepEqual(ffmpegChildren(), [], 'every ffmpeg has exited and been reaped');
    } finally {
      writer.abort();
      await writing;
    }
  });

  test('an already-aborted signal rejects without starting ffmpeg', async () => {
    await assert.rejects(
      extractFrames(args(video(join(dir, 'not-even-there.avi')), { signal: AbortSignal.abort() })),
      (error: Error) => error.name === 'AbortError',
    );
  });
});
