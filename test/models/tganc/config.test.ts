/** TganConfig: defaults, the tiny test config, validation with RangeErrors, time strides. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTganArgs, timeStrides, tinyTganArgs, validateTganArgs } from '../../../models/tganc/TganConfig.ts';
import type { TganArgs } from '../../../models/tganc/TganConfig.ts';

test('defaults: the paper sizes, valid at 48 and 64', () => {
  const a = defaultTganArgs();
  assert.equal(a.frames, 16);
  assert.equal(a.size, 48);
  assert.equal(a.channels, 3);
  assert.equal(a.noiseDim, 100);
  assert.equal(a.leak, 0.2);
  assert.deepEqual(a.gChannels, [256, 128, 64, 32]);
  assert.deepEqual(a.dChannels, [32, 64, 128, 256]);
  assert.equal(defaultTganArgs(64, 1).size, 64);
  assert.equal(defaultTganArgs(64, 1).channels, 1);
  assert.equal(tinyTganArgs().frames, 4);
});

test('invalid args throw RangeErrors naming the field', () => {
  const base = defaultTganArgs();
  const cases: [Partial<TganArgs>, RegExp][] = [
    [{ size: 40 }, /size must be a multiple of 16/],
    [{ size: 0 }, /size must be a positive integer/],
    [{ frames: 1 }, /frames must be at least 2/],
    [{ frames: 2.5 }, /frames must be a positive integer/],
    [{ channels: 2 as 1 }, /channels must be 1 or 3/],
    [{ noiseDim: 0 }, /noiseDim/],
    [{ sentenceDim: -3 }, /sentenceDim/],
    [{ conditionDim: 1.5 }, /conditionDim/],
    [{ gChannels: [] }, /gChannels must be a non-empty array/],
    [{ dChannels: [32, 0] }, /dChannels\[1\]/],
    [{ dChannels: [8, 8, 8, 8, 8] }, /size must be a multiple of 32 \(2\^5, one halving per entry of dChannels\)/],
    [{ leak: 1 }, /leak must be in \[0, 1\)/],
    [{ temporalCoherenceWeight: -1 }, /temporalCoherenceWeight/],
    [{ temporalCoherenceWeight: Number.NaN }, /temporalCoherenceWeight/],
    [{ seed: -1 }, /seed must be a non-negative integer/],
    [{ batchNormMomentum: 1 }, /batchNormMomentum/],
    [{ gActivation: 'tanh' as 'relu' }, /gActivation/],
    [{ useMotionDiscriminator: 'yes' as unknown as boolean }, /useMotionDiscriminator/],
  ];
  for (const [override, message] of cases) {
    assert.throws(() => validateTganArgs({ ...base, ...override }), (e: unknown) => e instanceof RangeError && message.test(e.message), JSON.stringify(override));
  }
  assert.throws(() => defaultTganArgs(50), RangeError);
});

test('timeStrides: time doubles in the last stages only as far as frames allows', () => {
  assert.deepEqual(timeStrides(16, 4), { startFrames: 1, strides: [2, 2, 2, 2] });
  assert.deepEqual(timeStrides(4, 3), { startFrames: 1, strides: [1, 2, 2] });
  assert.deepEqual(timeStrides(32, 4), { startFrames: 2, strides: [2, 2, 2, 2] });
  assert.deepEqual(timeStrides(12, 4), { startFrames: 3, strides: [1, 1, 2, 2] });
  assert.deepEqual(timeStrides(3, 2), { startFrames: 3, strides: [1, 1] });
});

test('presets: small halves the paper channels, fast quarters them; both sample frames for the frame and motion discriminators', async () => {
  const { tganPreset, TGAN_PRESETS } = await import('../../../models/tganc/tganPresets.ts');
  assert.deepEqual([...TGAN_PRESETS], ['paper', 'small', 'fast', 'tiny']);
  const paper = tganPreset('paper', 48);
  const small = tganPreset('small', 48);
  const fast = tganPreset('fast', 48);
  assert.deepEqual(small.gChannels, paper.gChannels.map((c) => c / 2));
  assert.deepEqual(fast.gChannels, paper.gChannels.map((c) => c / 4));
  assert.deepEqual(fast.dChannels, paper.dChannels.map((c) => c / 4));
  for (const p of [small, fast]) assert.deepEqual([p.frameSamples, p.motionWindow], [4, 6]);
  for (const preset of TGAN_PRESETS) validateTganArgs({ ...tganPreset(preset, 48), frames: 16, size: 48, channels: 1 });
});
