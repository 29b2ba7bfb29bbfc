import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRgbImage } from '../../media/image.ts';
import type { RgbImage } from '../../media/image.ts';
import { ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, LINE_HEIGHT, drawText, glyphFor, hasGlyph, measureText, wrapText } from '../../media/bitmapFont.ts';

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
const INK = [255, 200, 0] as const;

/** Bounding box of pixels that are not black. */
function inkBox(image: RgbImage): { x0: number; y0: number; x1: number; y1: number; count: number } | undefined {
  let box: { x0: number; y0: number; x1: number; y1: number; count: number } | undefined;
  for (let y = 0; y < image.height; y++)
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 3;
      if (image.data[i] || image.data[i + 1] || image.data[i + 2]) {
        box ??= { x0: x, y0: y, x1: x, y1: y, count: 0 };
        box.x0 = Math.min(box.x0, x);
        box.y0 = Math.min(box.y0, y);
        box.x1 = Math.max(box.x1, x);
        box.y1 = Math.max(box.y1, y);
        box.count++;
      }
    }
  return box;
}

describe('bitmap font glyphs', () => {
  test('every printable ASCII character has a distinct glyph of the right size', () => {
    const seen = new Map<string, string>();
    for (const char of PRINTABLE) {
      assert.ok(hasGlyph(char), `missing ${JSON.stringify(char)}`);
      const glyph = glyphFor(char);
      assert.equal(glyph.length, GLYPH_WIDTH * GLYPH_HEIGHT, JSON.stringify(char));
      assert.ok(glyph.every((v) => v === 0 || v === 1));
      const ink = glyph.reduce((a, b) => a + b, 0);
      if (char === ' ') assert.equal(ink, 0);
      else assert.ok(ink > 0, `${JSON.stringify(char)} has no ink`);
      const key = glyph.join('');
      assert.ok(!seen.has(key), `${JSON.stringify(char)} looks exactly like ${JSON.stringify(seen.get(key))}`);
      seen.set(key, char);
    }
  });

  test('unknown characters render as the box, which is not any real glyph', () => {
    assert.ok(!hasGlyph('é'));
    assert.deepEqual(glyphFor('é'), glyphFor('\t'));
    assert.deepEqual(glyphFor('🙂'), glyphFor('\u0001'));
    for (const char of PRINTABLE) assert.notDeepEqual(glyphFor(char), glyphFor('é'), JSON.stringify(char));
    // one box per code point, not per UTF-16 unit
    assert.equal(measureText('🙂').width, GLYPH_WIDTH);
  });
});

describe('drawText / measureText', () => {
  test('drawing "A" sets pixels inside, and spanning the width of, the measured box', () => {
    const image = createRgbImage(20, 20);
    drawText(image, 2, 3, 'A', INK);
    const box = inkBox(image);
    assert.ok(box && box.count > 5, 'some pixels set');
    const { width, height } = measureText('A');
    assert.deepEqual({ width, height }, { width: GLYPH_WIDTH, height: GLYPH_HEIGHT });
    assert.equal(box.x0, 2);
    assert.equal(box.x1, 2 + width - 1);
    assert.equal(box.y0, 3);
    assert.ok(box.y1 <= 3 + height - 1);
    const i = (3 * 20 + 3) * 3; // top bar of the A
    assert.deepEqual([...image.data.subarray(i, i + 3)], [...INK]);
  });

  test('measureText matches the drawn extent exactly, including descenders, at scale 2 and over lines', () => {
    const text = 'Ag#\nqy';
    const { width, height } = measureText(text, 2);
    assert.equal(width, (3 * ADVANCE - 1) * 2);
    assert.equal(height, (2 * LINE_HEIGHT - 1) * 2);
    const image = createRgbImage(60, 60);
    drawText(image, 1, 1, text, INK, 2);
    const box = inkBox(image)!;
    assert.equal(box.x1 - box.x0 + 1, width);
    assert.equal(box.y1 - box.y0 + 1, height);
    assert.deepEqual(measureText(''), { width: 0, height: GLYPH_HEIGHT });
  });

  test('different letters render differently', () => {
    const render = (text: string) => {
      const image = createRgbImage(8, 10);
      drawText(image, 1, 1, text, INK);
      return image.data;
    };
    assert.notDeepEqual(render('a'), render('e'));
    assert.notDeepEqual(render('l'), render('1'));
    assert.notDeepEqual(render('O'), render('0'));
  });

  test('text is clipped at the image edges', () => {
    const image = createRgbImage(4, 4);
    drawText(image, -2, -2, 'MM', INK, 2);
    assert.ok(inkBox(image));
  });
});

describe('wrapText', () => {
  test('wraps on words, breaks long words and marks truncation', () => {
    const perLine = 10;
    const width = perLine * ADVANCE - 1;
    assert.deepEqual(wrapText('a digit 7 moving left', width), ['a digit 7', 'moving', 'left']);
    assert.deepEqual(wrapText('abcdefghijklmnopqrstuvwxyz', width), ['abcdefghij', 'klmnopqrst', 'uvwxyz']);
    assert.deepEqual(wrapText('one two three four five six', width, { maxLines: 2 }), ['one two', 'three f...']);
    for (const line of wrapText('the quick brown fox jumps over the lazy dog', width)) assert.ok(measureText(line).width <= width);
  });
});
