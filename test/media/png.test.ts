import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PNG } from 'pngjs';
import { decodePng, encodePng } from '../../media/png.ts';

test('PNG round trip is exact', () => {
  const image = { width: 13, height: 7, data: new Uint8Array(randomBytes(13 * 7 * 3)) };
  const bytes = encodePng(image);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(bytes[25], 2, 'IHDR colour type is RGB (no alpha written)');
  const back = decodePng(bytes);
  assert.equal(back.width, 13);
  assert.equal(back.height, 7);
  assert.deepEqual(back.data, image.data);
});

test('pixel data given as a view into a larger buffer is encoded from the right offset', () => {
  const backing = new Uint8Array(100).map((_, i) => i);
  const image = { width: 2, height: 3, data: backing.subarray(10, 10 + 18) };
  assert.deepEqual(decodePng(encodePng(image)).data, image.data);
});

test('decodes PNGs written with other colour types to RGB', () => {
  const png = new PNG({ width: 3, height: 1 });
  png.data = Buffer.from([10, 10, 10, 255, 200, 200, 200, 255, 77, 77, 77, 255]);
  const grey = PNG.sync.write(png, { colorType: 0 });
  assert.deepEqual([...decodePng(grey).data], [10, 10, 10, 200, 200, 200, 77, 77, 77]);
});

test('rejects an image whose data does not match its size', () => {
  assert.throws(() => encodePng({ width: 4, height: 4, data: new Uint8Array(47) }), RangeError);
});
