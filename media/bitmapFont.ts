import type { Rgb, RgbImage } from './image.ts';
import { fillRect } from './image.ts';

/**
 * A hand-drawn 5x8 monospaced bitmap font for printable ASCII, so captions can be burned into
 * images without a font file, a canvas or any native dependency.
 *
 * Glyphs are 5 px wide and 8 px tall: rows 0-6 hold capitals, digits and the body of lower-case
 * letters (baseline under row 6); row 7 is the descender row for g, j, p, q, y, comma and
 * underscore. Each character advances 6 px and lines advance 9 px, leaving a 1 px gutter.
 */
export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 8;
export const ADVANCE = GLYPH_WIDTH + 1;
export const LINE_HEIGHT = GLYPH_HEIGHT + 1;

// Drawn side by side, one block per run of 8 characters, so neighbouring glyphs can be compared
// by eye while editing. '#' = ink, '.' = background.
const GLYPH_SHEET: readonly { chars: string; rows: string }[] = [
  {
    chars: ' !"#$%&\'',
    rows: `
      ..... ..#.. .#.#. .#.#. ..#.. ##... .##.. ..#..
      ..... ..#.. .#.#. .#.#. .#### ##..# #..#. ..#..
      ..... ..#.. .#.#. ##### #.#.. ...#. #.#.. .#...
      ..... ..#.. ..... .#.#. .###. ..#.. .#... .....
      ..... ..#.. ..... ##### ..#.# .#... #.#.# .....
      ..... ..... ..... .#.#. ####. #..## #..#. .....
      ..... ..#.. ..... .#.#. ..#.. ...## .##.# .....
      ..... ..... ..... ..... ..... ..... ..... .....
    `,
  },
  {
    chars: '()*+,-./',
    rows: `
      ...#. .#... ..... ..... ..... ..... ..... ....#
      ..#.. ..#.. ..#.. ..#.. ..... ..... ..... ....#
      .#... ...#. #.#.# ..#.. ..... ..... ..... ...#.
      .#... ...#. .###. ##### ..... .###. ..... ..#..
      .#... ...#. #.#.# ..#.. ..... ..... ..... .#...
      ..#.. ..#.. ..#.. ..#.. .##.. ..... .##.. #....
      ...#. .#... ..... ..... ..#.. ..... .##.. #....
      ..... ..... ..... ..... .#... ..... ..... .....
    `,
  },
  {
    chars: '01234567',
    rows: `
      .###. ..#.. .###. ##### ...#. ##### ..##. #####
      #...# .##.. #...# ...#. ..##. #.... .#... ....#
      #..## ..#.. ....# ..#.. .#.#. ####. #.... ...#.
      #.#.# ..#.. ...#. ...#. #..#. ....# ####. ..#..
      ##..# ..#.. ..#.. ....# ##### ....# #...# .#...
      #...# ..#.. .#... #...# ...#. #...# #...# .#...
      .###. .###. ##### .###. ...#. .###. .###. .#...
      ..... ..... ..... ..... ..... ..... ..... .....
    `,
  },
  {
    chars: '89:;<=>?',
    rows: `
      .###. .###. ..... ..... ...#. ..... .#... .###.
      #...# #...# .##.. .##.. ..#.. ..... ..#.. #...#
      #...# #...# .##.. .##.. .#... ##### ...#. ....#
      .###. .#### ..... ..... #.... ..... ....# ...#.
      #...# ....# .##.. .##.. .#... ##### ...#. ..#..
      #...# ...#. .##.. ..#.. ..#.. ..... ..#.. .....
      .###. .##.. ..... .#... ...#. ..... .#... ..#..
      ..... ..... ..... ..... ..... ..... ..... .....
    `,
  },
  {
    chars: '@ABCDEFG',
    rows: `
      .###. .###. ####. .###. ###.. ##### ##### .###.
      #...# #...# #...# #...# #..#. #.... #.... #...#
      #.### #...# #...# #.... #...# #.... #.... #....
      #.#.# ##### ####. #.... #...# ####. ####. #.###
      #.### #...# #...# #.... #...# #.... #.... #...#
      #.... #...# #...# #...# #..#. #.... #.... #...#
      .###. #...# ####. .###. ###.. ##### #.... .####
      ..... ..... ..... ..... ..... ..... ..... .....
    `,
  },
  {
    chars: 'HIJKLMNO',
    rows: `
      #...# .###. ..### #...# #.... #...# #...# .###.
      #...# ..#.. ...#. #..#. #.... ##.## #...# #...#
      #...# ..#.. ...#. #.#.. #.... #.#.# ##..# #...#
      ##### ..#.. ...#. ##... #.... #.#.# #.#.# #...#
      #...# ..#.. ...#. #.#.. #.... #...# #..## #...#
      #...# ..#.. #..#. #..#. #.... #...# #...# #...#
      #...# .###. .##.. #...# ##### #...# #...# .###.
      ..... ..... ..... ..... ..... ..... ..... .....
    `,
  },
  {
    chars: 'PQRSTUVW',
    rows: `
      ####. .###. ####. .#### ##### #...# #...# #...#
      #...# #...# #...# #.... ..#.. #...# #...# #...#
      #...# #...# #...# #.... ..#.. #...# #...# #...#
      ####. #...# ####. .###. ..#.. #...# #...# #.#.#
      #.... #.#.# #.#.. ....# ..#.. #...# #...# #.#.#
      #.... #..#. #..#. ....# ..#.. #...# .#.#. #.#.#
      #.... .##.# #...# ####. ..#.. .###. ..#.. .#.#.
      ..... ..... ..... ..... ..... ..... ..... .....
    `,
  },
  {
    chars: 'XYZ[\\]^_',
    rows: `
      #...# #...# ##### .###. #.... .###. ..#.. .....
      #...# #...# ....# .#... #.... ...#. .#.#. .....
      .#.#. .#.#. ...#. .#... .#... ...#. #...# .....
      ..#.. ..#.. ..#.. .#... ..#.. ...#. ..... .....
      .#.#. ..#.. .#... .#... ...#. ...#. ..... .....
      #...# ..#.. #.... .#... ....# ...#. ..... .....
      #...# ..#.. ##### .###. ....# .###. ..... .....
      ..... ..... ..... ..... ..... ..... ..... #####
    `,
  },
  {
    chars: '`abcdefg',
    rows: `
      .#... ..... #.... ..... ....# ..... ..##. .....
      ..#.. ..... #.... ..... ....# ..... .#..# .....
      ...#. .###. ####. .###. .#### .###. .#... .####
      ..... ....# #...# #.... #...# #...# ###.. #...#
      ..... .#### #...# #.... #...# ##### .#... #...#
      ..... #...# #...# #...# #...# #.... .#... .####
      ..... .#### ####. .###. .#### .###. .#... ....#
      ..... ..... ..... ..... ..... ..... ..... .###.
    `,
  },
  {
    chars: 'hijklmno',
    rows: `
      #.... ..#.. ...#. #.... .##.. ..... ..... .....
      #.... ..... ..... #.... ..#.. ..... ..... .....
      #.##. .##.. ..##. #..#. ..#.. ##.#. #.##. .###.
      ##..# ..#.. ...#. #.#.. ..#.. #.#.# ##..# #...#
      #...# ..#.. ...#. ##... ..#.. #.#.# #...# #...#
      #...# ..#.. ...#. #.#.. ..#.. #.#.# #...# #...#
      #...# .###. #..#. #..#. .###. #.#.# #...# .###.
      ..... ..... .##.. ..... ..... ..... ..... .....
    `,
  },
  {
    chars: 'pqrstuvw',
    rows: `
      ..... ..... ..... ..... .#... ..... ..... .....
      ..... ..... ..... ..... .#... ..... ..... .....
      ####. .#### #.##. .#### ###.. #...# #...# #...#
      #...# #...# ##..# #.... .#... #...# #...# #...#
      #...# #...# #.... .###. .#... #...# #...# #.#.#
      ####. .#### #.... ....# .#..# #..## .#.#. #.#.#
      #.... ....# #.... ####. ..##. .##.# ..#.. .#.#.
      #.... ....# ..... ..... ..... ..... ..... .....
    `,
  },
  {
    chars: 'xyz{|}~',
    rows: `
      ..... ..... ..... ...## ..#.. ##... .....
      ..... ..... ..... ..#.. ..#.. ..#.. .....
      #...# #...# ##### ..#.. ..#.. ..#.. .#...
      .#.#. #...# ...#. .#... ..#.. ...#. #.#.#
      ..#.. #...# ..#.. ..#.. ..#.. ..#.. ...#.
      .#.#. .#### .#... ..#.. ..#.. ..#.. .....
      #...# ....# ##### ...## ..#.. ##... .....
      ..... .###. ..... ..... ..... ..... .....
    `,
  },
];

/** Shown for anything outside the sheet (control characters, non-ASCII): a visible "tofu" box. */
const MISSING_ROWS = ['#####', '#...#', '#...#', '#...#', '#...#', '#...#', '#####', '.....'];

/** One glyph as GLYPH_WIDTH x GLYPH_HEIGHT bytes, row-major, 1 = ink. */
export type GlyphBitmap = Uint8Array;

const glyphs: ReadonlyMap<string, GlyphBitmap> = parseSheet();
const missingGlyph = parseRows(MISSING_ROWS, 'missing-glyph box');

/** The glyph drawn for `char`; the box glyph if the font has none. */
export function glyphFor(char: string): GlyphBitmap {
  return glyphs.get(char) ?? missingGlyph;
}

/** Whether the font has a real glyph for `char` (as opposed to the box). */
export function hasGlyph(char: string): boolean {
  return glyphs.has(char);
}

/** Pixel size of `text` drawn at `scale`: lines split on '\n', no trailing gutter after the last column. */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  assertScale(scale);
  const lines = text.split('\n');
  const columns = Math.max(...lines.map((line) => Array.from(line).length));
  return {
    width: columns === 0 ? 0 : (columns * ADVANCE - 1) * scale,
    height: (lines.length * LINE_HEIGHT - 1) * scale,
  };
}

/**
 * Draw `text` with its top-left corner at (x, y). Only ink pixels are written, so the text lands
 * on whatever background is already there; pixels outside the image are clipped.
 */
export function drawText(image: RgbImage, x: number, y: number, text: string, color: Rgb, scale = 1): void {
  assertScale(scale);
  text.split('\n').forEach((line, row) => {
    const top = y + row * LINE_HEIGHT * scale;
    let left = x;
    for (const char of line) {
      const glyph = glyphFor(char);
      for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
        for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
          if (glyph[gy * GLYPH_WIDTH + gx]) fillRect(image, left + gx * scale, top + gy * scale, scale, scale, color);
        }
      }
      left += ADVANCE * scale;
    }
  });
}

/**
 * Greedy word wrap to lines at most `maxWidth` px wide. Words longer than a line are broken.
 * With `maxLines`, the overflow is cut and the last kept line ends in "..." so truncation is visible.
 */
export function wrapText(text: string, maxWidth: number, options: { scale?: number; maxLines?: number } = {}): string[] {
  const scale = options.scale ?? 1;
  assertScale(scale);
  const perLine = Math.floor((maxWidth + scale) / (ADVANCE * scale));
  if (perLine < 1) return [];
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line: string[] = [];
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      let chars = Array.from(word);
      if (line.length > 0 && line.length + 1 + chars.length <= perLine) {
        line.push(' ', ...chars);
        continue;
      }
      if (line.length > 0) lines.push(line.join(''));
      while (chars.length > perLine) {
        lines.push(chars.slice(0, perLine).join(''));
        chars = chars.slice(perLine);
      }
      line = chars;
    }
    lines.push(line.join(''));
  }
  const maxLines = options.maxLines ?? Infinity;
  if (lines.length <= maxLines) return lines;
  if (maxLines < 1) return [];
  const kept = lines.slice(0, maxLines);
  const last = Array.from(kept[maxLines - 1]);
  const ellipsis = Array.from('...').slice(0, perLine);
  kept[maxLines - 1] = [...last.slice(0, Math.max(0, perLine - ellipsis.length)), ...ellipsis].join('');
  return kept;
}

function parseSheet(): Map<string, GlyphBitmap> {
  const map = new Map<string, GlyphBitmap>();
  for (const block of GLYPH_SHEET) {
    const chars = Array.from(block.chars);
    const rows = block.rows.split('\n').map((row) => row.trim()).filter(Boolean).map((row) => row.split(/\s+/));
    chars.forEach((char, i) => {
      if (map.has(char)) throw new Error(`bitmap font: glyph ${JSON.stringify(char)} is drawn twice`);
      map.set(char, parseRows(rows.map((row) => row[i] ?? ''), JSON.stringify(char)));
    });
    if (rows.some((row) => row.length !== chars.length)) {
      throw new Error(`bitmap font: block ${JSON.stringify(block.chars)} has rows that do not match its ${chars.length} characters`);
    }
  }
  return map;
}

function parseRows(rows: readonly string[], name: string): GlyphBitmap {
  if (rows.length !== GLYPH_HEIGHT || rows.some((row) => !new RegExp(`^[.#]{${GLYPH_WIDTH}}$`).test(row))) {
    throw new Error(`bitmap font: glyph ${name} must be ${GLYPH_HEIGHT} rows of ${GLYPH_WIDTH} '.'/'#' characters`);
  }
  return Uint8Array.from(rows.join(''), (ch) => (ch === '#' ? 1 : 0));
}

function assertScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`text scale must be a positive integer, got ${scale}`);
}
