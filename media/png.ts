import { PNG } from 'pngjs';
import type { RgbImage } from './image.ts';
import { assertRgbImage } from './image.ts';

export type { RgbImage } from './image.ts';

/** Encode an RGB image as an 8-bit truecolour PNG (no alpha channel written). */
export function encodePng(image: RgbImage): Buffer {
  assertRgbImage(image);
  const { width, height, data } = image;
  // Input and output colour type both RGB: pngjs then filters our bytes directly instead of
  // expecting (and converting from) its default RGBA input.
  const source = { width, height, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) } as PNG;
  return PNG.sync.write(source, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

/**
 * Decode any PNG pngjs understands (grey, palette, 16-bit, ...) to 8-bit RGB. pngjs always hands
 * back RGBA; alpha is dropped, not composited.
 */
export function decodePng(bytes: Uint8Array): RgbImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { width, height } = png;
  const data = new Uint8Array(width * height * 3);
  for (let s = 0, d = 0; d < data.length; s += 4, d += 3) {
    data[d] = png.data[s];
    data[d + 1] = png.data[s + 1];
    data[d + 2] = png.data[s + 2];
  }
  return { width, height, data };
}
