// Minimal types for gifenc 1.x, which ships none. Only what media/gif.ts uses.
//
// Its CommonJS build (esbuild 0.8 output) defines exports through getters that Node's
// cjs-module-lexer cannot see, so `import { GIFEncoder } from 'gifenc'` fails at runtime: the only
// ESM binding is `default` (= module.exports). Hence the default-export-only declaration.
declare module 'gifenc' {
  /** Colour table entries as [r, g, b] bytes; at most 256 of them. */
  export type GifPalette = number[][];

  export type GifColorFormat = 'rgb565' | 'rgb444' | 'rgba4444';

  export interface GifFrameOptions {
    /** Written as the global table on the first frame, as a local table on later frames. */
    palette?: GifPalette | null;
    /** Milliseconds; rounded to the GIF's 1/100 s unit. */
    delay?: number;
    /** 0 = loop forever, -1 = play once (no NETSCAPE2.0 block), n > 0 = n extra plays. Read on the first frame only. */
    repeat?: number;
    transparent?: boolean;
    transparentIndex?: number;
    dispose?: number;
    first?: boolean;
    colorDepth?: number;
  }

  export interface GifEncoderStream {
    writeFrame(index: Uint8Array, width: number, height: number, options?: GifFrameOptions): void;
    finish(): void;
    /** A copy of the encoded bytes. */
    bytes(): Uint8Array;
    bytesView(): Uint8Array;
    reset(): void;
  }

  export interface QuantizeOptions {
    format?: GifColorFormat;
    oneBitAlpha?: boolean | number;
    clearAlpha?: boolean;
    clearAlphaThreshold?: number;
    clearAlphaColor?: number;
  }

  interface Gifenc {
    GIFEncoder(options?: { auto?: boolean; initialCapacity?: number }): GifEncoderStream;
    /** `rgba` is read through `new Uint32Array(rgba.buffer)`: it must own its whole buffer (offset 0, length % 4 = 0). */
    quantize(rgba: Uint8Array | Uint8ClampedArray, maxColors: number, options?: QuantizeOptions): GifPalette;
    /** Same whole-buffer caveat as quantize. Returns one palette index per pixel. */
    applyPalette(rgba: Uint8Array | Uint8ClampedArray, palette: GifPalette, format?: GifColorFormat): Uint8Array;
  }

  const gifenc: Gifenc;
  export default gifenc;
}
