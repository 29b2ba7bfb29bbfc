import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Random } from '../../utils/random.ts';
import { proportionalSplit, randomSplit } from '../../datasets/synthetic/split.ts';

test('proportionalSplit: every prefix has valFraction of val, give or take one', () => {
  for (const seed of [0, 1, 99]) {
    for (const vf of [0.05, 0.2, 1 / 3, 0.5]) {
      let val = 0;
      for (let i = 0; i < 1000; i++) {
        if (proportionalSplit(seed, 'x', i, vf) === 'val') val++;
        assert.ok(Math.abs(val - (i + 1) * vf) <= 1 + 1e-9, `seed ${seed} vf ${vf} after ${i + 1}: ${val}`);
      }
    }
  }
});

test('proportionalSplit: edges and seed dependence', () => {
  const pattern = (seed: number) => Array.from({ length: 50 }, (_, i) => proportionalSplit(seed, 'x', i, 0.2)).join();
  assert.ok(pattern(1) !== pattern(2) || pattern(1) !== pattern(3), 'seed moves the val indices');
  for (let i = 0; i < 50; i++) {
    assert.equal(proportionalSplit(1, 'x', i, 0), 'train');
    assert.equal(proportionalSplit(1, 'x', i, 1), 'val');
  }
});

test('randomSplit: roughly valFraction', () => {
  const rng = new Random(5);
  let val = 0;
  for (let i = 0; i < 2000; i++) if (randomSplit(rng, 0.25) === 'val') val++;
  assert.ok(val > 420 && val < 580, `val ${val}`);
});
