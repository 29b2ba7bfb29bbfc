/** UnetConfig: defaults, the tiny test config, validation with RangeErrors naming the field. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultUnetArgs, tinyUnetArgs, validateUnetArgs } from '../../../models/unet/UnetConfig.ts';
import type { UnetArgs } from '../../../models/unet/UnetConfig.ts';

test('defaults: 10 frames, valid at 64 and 48; the tiny config', () => {
  const a = defaultUnetArgs();
  assert.equal(a.frames, 10);
  assert.equal(a.size, 64);
  assert.equal(a.channels, 3);
  assert.deepEqual(a.encoderChannels, [32, 64, 128, 256]);
  assert.equal(defaultUnetArgs(48, 1).size, 48);
  assert.equal(defaultUnetArgs(48, 1).channels, 1);
  const tiny = tinyUnetArgs();
  assert.equal(tiny.frames, 3);
  assert.equal(tiny.size, 16);
  assert.equal(tinyUnetArgs({ frames: 1 }).frames, 1);
  assert.throws(() => defaultUnetArgs(40), /size must be a multiple of 16/);
});

test('invalid args throw RangeErrors naming the field', () => {
  const base = tinyUnetArgs();
  const cases: [Partial<UnetArgs>, RegExp][] = [
    [{ frames: 0 }, /frames must be a positive integer/],
    [{ frames: 2.5 }, /frames must be a positive integer/],
    [{ size: 0 }, /size must be a positive integer/],
    [{ size: 12 }, /size must be a multiple of 8 \(2\^3, one halving per entry of encoderChannels\)/],
    [{ dChannels: [4, 4, 4, 4, 4] }, /size must be a multiple of 32 \(2\^5, one halving per entry of dChannels\)/],
    [{ channels: 2 as 1 }, /channels must be 1 or 3/],
    [{ sentenceDim: 0 }, /sentenceDim/],
    [{ conditionDim: 1.5 }, /conditionDim/],
    [{ encoderChannels: [] }, /encoderChannels must be a non-empty array/],
    [{ encoderChannels: [4, -1] }, /encoderChannels\[1\]/],
    [{ bottleneckChannels: [] }, /bottleneckChannels must be a non-empty array/],
    [{ dChannels: [4, 0] }, /dChannels\[1\]/],
    [{ leak: 1 }, /leak must be in \[0, 1\)/],
    [{ leak: Number.NaN }, /leak/],
    [{ seed: -1 }, /seed must be a non-negative integer/],
    [{ batchNormMomentum: 1 }, /batchNormMomentum/],
    [{ outputBias: Number.POSITIVE_INFINITY }, /outputBias/],
  ];
  for (const [override, message] of cases) {
    assert.throws(() => validateUnetArgs({ ...base, ...override }), (e: unknown) => e instanceof RangeError && message.test(e.message), JSON.stringify(override));
  }
  assert.equal(validateUnetArgs(base), base);
});
