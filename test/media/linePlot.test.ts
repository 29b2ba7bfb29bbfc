import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderLinePlot } from '../../media/linePlot.ts';

const colourAt = (image: { width: number; data: Uint8Array }, x: number, y: number) => {
  const i = (y * image.width + x) * 3;
  return [image.data[i], image.data[i + 1], image.data[i + 2]];
};

test('a line plot draws each series in its own colour, rising lines going up the image', () => {
  const image = renderLinePlot(
    [
      { name: 'd_loss', points: Array.from({ length: 50 }, (_, i) => [i, i] as const) },
      { name: 'g_loss', points: Array.from({ length: 50 }, (_, i) => [i, 49 - i] as const) },
    ],
    { width: 320, height: 200, title: 'losses' },
  );
  assert.equal(image.data.length, 320 * 200 * 3);
  const orange = [230, 85, 13];
  const blue = [49, 130, 189];
  const columns = (colour: number[]) => {
    const hits: [number, number][] = [];
    for (let y = 0; y < 200; y++) for (let x = 0; x < 320; x++) if (colourAt(image, x, y).every((v, k) => v === colour[k])) hits.push([x, y]);
    return hits;
  };
  const rising = columns(orange);
  const falling = columns(blue);
  assert.ok(rising.length > 100 && falling.length > 100, 'both lines are drawn');
  // The rising series is low (large y) on the left and high (small y) on the right; the other the opposite.
  const meanY = (hits: [number, number][], side: 'left' | 'right') => {
    const pick = hits.filter(([x]) => (side === 'left' ? x < 120 : x > 220));
    return pick.reduce((s, [, y]) => s + y, 0) / pick.length;
  };
  assert.ok(meanY(rising, 'left') > meanY(rising, 'right'));
  assert.ok(meanY(falling, 'left') < meanY(falling, 'right'));
});

test('non-finite values leave gaps instead of breaking the plot', () => {
  const image = renderLinePlot([{ name: 'x', points: [[0, 1], [1, NaN], [2, Infinity], [3, 2]] }]);
  assert.equal(image.width, 640);
});
