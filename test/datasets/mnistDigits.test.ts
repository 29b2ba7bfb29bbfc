import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { MNIST_PIXELS, digitCount, digitImage, instanceRange } from '../../datasets/synthetic/mnistDigits.ts';

test('digitCount covers the 10,000 digits of the package', () => {
  let total = 0;
  for (let d = 0; d < 10; d++) {
    assert.ok(digitCount(d) > 800, `digit ${d}`);
    total += digitCount(d);
  }
  assert.equal(total, 10_000);
});

test('digitImage is the package image rounded to 0..255', () => {
  const mnist = createRequire(import.meta.url)('mnist') as { get(i: number): number[] }[];
  for (const [d, i] of [[0, 0], [3, 17], [9, digitCount(9) - 1]]) {
    const image = digitImage(d, i);
    assert.equal(image.length, MNIST_PIXELS);
    assert.deepEqual(Array.from(image), mnist[d].get(i).map((v) => Math.round(v * 255)));
    assert.ok(Math.max(...image) > 200, 'has ink');
    assert.ok(image.filter((v) => v === 0).length > 300, 'has background');
  }
  assert.notDeepEqual(digitImage(3, 0), digitImage(3, 1));
});

test('digitImage returns a copy, so the cache cannot be corrupted', () => {
  const a = digitImage(5, 5);
  const before = Array.from(a);
  a.fill(7);
  assert.deepEqual(Array.from(digitImage(5, 5)), before);
});

test('digitImage rejects indices the package would replace with Math.random()', () => {
  assert.throws(() => digitImage(1, -1), RangeError);
  assert.throws(() => digitImage(1, digitCount(1)), /index for digit 1/);
  assert.throws(() => digitImage(1, 1.5), RangeError);
  assert.throws(() => digitImage(10, 0), /digit must be/);
});

test('instanceRange: train and val instances are disjoint and cover all', () => {
  for (let d = 0; d < 10; d++) {
    const train = instanceRange(d, 'train');
    const val = instanceRange(d, 'val');
    assert.equal(train.start, 0);
    assert.equal(train.end, val.start);
    assert.equal(val.end, digitCount(d));
    assert.ok(val.end - val.start >= 150 && train.end > 600, `digit ${d}`);
  }
});
