/**
 * An 8-bit RGB raster: the common currency of the still-image helpers (PNG, bitmap font, contact
 * sheets). No alpha on purpose: everything we render is opaque, and a fixed 3-byte stride keeps
 * the pixel loops trivial.
 */
export interface RgbImage {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel, row-major; length width*height*3. */
  data: Uint8Array;
}

export type Rgb = readonly [r: number, g: number, b: number];

export function createRgbImage(width: number, height: number, background: Rgb = [0, 0, 0]): RgbImage {
  assertDimension(width, 'width');
  assertDimension(height, 'height');
  const data = new Uint8Array(width * height * 3);
  const [r, g, b] = background;
  if (r !== 0 || g !== 0 || b !== 0) {
    for (let i = 0; i < data.length; i += 3) {
      data[i] = r;
      data[i + 1] = g;
      data[i + 2] = b;
    }
  }
  return { width, height, data };
}

export function assertRgbImage(image: RgbImage): void {
  assertDimension(image.width, 'width');
  assertDimension(image.height, 'height');
  if (image.data.length !== image.width * image.height * 3) {
    throw new RangeError(
      `RgbImage data has ${image.data.length} bytes, expected ${image.width}x${image.height}x3 = ${image.width * image.height * 3}`,
    );
  }
}

/** Fill a rectangle, silently clipped to the image: callers draw text and frames near edges. */
export function fillRect(image: RgbImage, x: number, y: number, width: number, height: number, color: Rgb): void {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(image.width, Math.floor(x + width));
  const y1 = Math.min(image.height, Math.floor(y + height));
  const [r, g, b] = color;
  for (let row = y0; row < y1; row++) {
    for (let i = (row * image.width + x0) * 3, end = (row * image.width + x1) * 3; i < end; i += 3) {
      image.data[i] = r;
      image.data[i + 1] = g;
      image.data[i + 2] = b;
    }
  }
}

function assertDimension(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`image ${name} must be a non-negative integer, got ${value}`);
}
