import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClipShape } from '../../datasets/clip.ts';
import { renderContactSheet } from '../../media/contactSheet.ts';
import type { ContactSheetClip } from '../../media/contactSheet.ts';
import { LINE_HEIGHT } from '../../media/bitmapFont.ts';
import { sampleFrameIndices } from '../../media/frames.ts';
import { decodePng, encodePng } from '../../media/png.ts';
import type { RgbImage } from '../../media/image.ts';

const BACKGROUND = [24, 24, 24];
const TEXT = [235, 235, 235];
const ID = [150, 150, 150];

/** Every frame a flat colour encoding its index, so the sampled frame can be read back from the sheet. */
function flatClip(shape: ClipShape, colourOf: (t: number) => number[]): Uint8Array {
  const [t, h, w, c] = shape;
  const frames = new Uint8Array(t * h * w * c);
  for (let i = 0; i < t; i++) {
    const colour = colourOf(i);
    for (let p = 0; p < h * w; p++) frames.set(colour.slice(0, c), (i * h * w + p) * c);
  }
  return frames;
}

const pixel = (image: RgbImage, x: number, y: number) => [...image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3)];

function countColour(image: RgbImage, colour: number[], x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (pixel(image, x, y).every((v, i) => v === colour[i])) n++;
  return n;
}

test('contact sheet size follows the layout formula; frames, captions and ids land in their rows', () => {
  const clips: ContactSheetClip[] = [
    { shape: [12, 16, 16, 1], frames: flatClip([12, 16, 16, 1], (t) => [t * 20]), caption: 'a digit 3 moving right', id: 'sbmg-000001' },
    { shape: [4, 12, 16, 3], frames: flatClip([4, 12, 16, 3], (t) => [200, t * 50, 10]), caption: 'red square' },
    { shape: [8, 16, 10, 1], frames: flatClip([8, 16, 10, 1], (t) => [100 + t]), caption: '' },
  ];
  const maxFrames = 6;
  const sheet = renderContactSheet(clips, { maxFrames });

  // defaults: scale 2 (H <= 64), gap 4, padding 4, textGap 2, textScale 1
  const scale = 2, gap = 4, padding = 4, textGap = 2;
  const columns = Math.min(maxFrames, 12);
  const cellW = 16 * scale;
  const textLines = [2, 1, 0]; // id + caption, caption, nothing
  const rowHeights = clips.map((clip, k) => clip.shape[1] * scale + (textLines[k] ? textGap + textLines[k] * LINE_HEIGHT : 0));
  assert.equal(sheet.width, 2 * padding + columns * cellW + (columns - 1) * gap);
  assert.equal(sheet.height, 2 * padding + rowHeights.reduce((a, b) => a + b) + (clips.length - 1) * gap);
  assert.equal(sheet.data.length, sheet.width * sheet.height * 3);

  let y = padding;
  clips.forEach((clip, k) => {
    const [t, h, w, c] = clip.shape;
    const shown = sampleFrameIndices(t, maxFrames);
    for (let i = 0; i < columns; i++) {
      const x = padding + i * (cellW + gap);
      if (i < shown.length) {
        const expected = Array.from(clip.frames.subarray(shown[i] * h * w * c, shown[i] * h * w * c + c));
        const rgb = c === 1 ? [expected[0], expected[0], expected[0]] : expected;
        assert.deepEqual(pixel(sheet, x, y), rgb, `clip ${k} cell ${i} top-left`);
        assert.deepEqual(pixel(sheet, x + w * scale - 1, y + h * scale - 1), rgb, `clip ${k} cell ${i} bottom-right`);
      } else {
        assert.deepEqual(pixel(sheet, x, y), BACKGROUND, `clip ${k} cell ${i} is empty`);
      }
    }
    const textTop = y + h * scale + textGap;
    const textBottom = y + rowHeights[k];
    const captionTop = textTop + (clip.id ? LINE_HEIGHT : 0);
    if (clip.id) assert.ok(countColour(sheet, ID, padding, textTop, sheet.width, captionTop) > 20, `id pixels under row ${k}`);
    const captionInk = countColour(sheet, TEXT, padding, captionTop, sheet.width, textBottom);
    if (clip.caption) assert.ok(captionInk > 20, `caption pixels under row ${k}`);
    else assert.equal(textBottom, textTop - textGap, 'no text band without a caption');
    y += rowHeights[k] + gap;
  });
  // captions never spill into the frame areas or margins
  assert.equal(countColour(sheet, TEXT, 0, 0, padding, sheet.height), 0);
});

test('long captions are cut to maxCaptionLines and large clips default to scale 1', () => {
  const clip = { shape: [2, 80, 40, 3] as ClipShape, frames: flatClip([2, 80, 40, 3], () => [1, 2, 3]) };
  const caption = 'word '.repeat(200);
  const sheet = renderContactSheet([{ ...clip, caption }], { maxCaptionLines: 3, padding: 0, gap: 0, textGap: 0 });
  assert.equal(sheet.width, 2 * 40);
  assert.equal(sheet.height, 80 + 3 * LINE_HEIGHT);
  // the sheet survives a PNG round trip unchanged (what callers will do with it)
  assert.deepEqual(decodePng(encodePng(sheet)), sheet);
});

test('rejects an empty batch and malformed clips', () => {
  assert.throws(() => renderContactSheet([]), RangeError);
  assert.throws(() => renderContactSheet([{ shape: [1, 2, 2, 1], frames: new Uint8Array(3), caption: 'x' }]), RangeError);
});
