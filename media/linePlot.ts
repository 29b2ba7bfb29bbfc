import { drawText, LINE_HEIGHT, measureText } from './bitmapFont.ts';
import { createRgbImage, fillRect, type Rgb, type RgbImage } from './image.ts';

export interface PlotSeries {
  name: string;
  /** [x, y] points in x order; non-finite y values are skipped (a gap in the line). */
  points: ReadonlyArray<readonly [number, number]>;
}

export interface LinePlotArgs {
  width?: number;
  height?: number;
  title?: string;
  xLabel?: string;
}

const PALETTE: Rgb[] = [
  [230, 85, 13],
  [49, 130, 189],
  [49, 163, 84],
  [117, 107, 177],
  [214, 39, 40],
  [140, 86, 75],
  [23, 190, 207],
  [188, 189, 34],
];

/**
 * A line chart (loss curves), drawn into an RGB image with the bitmap font: axes with min/max labels,
 * one coloured line per series and a legend. Enough to see at a glance whether training is healthy.
 */
export function renderLinePlot(series: readonly PlotSeries[], args: LinePlotArgs = {}): RgbImage {
  const width = args.width ?? 640;
  const height = args.height ?? 360;
  const image = createRgbImage(width, height, [255, 255, 255]);
  const ink: Rgb = [40, 40, 40];
  const grid: Rgb = [225, 225, 225];

  const points = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  let [xMin, xMax] = extent(points.map(([x]) => x));
  let [yMin, yMax] = extent(points.map(([, y]) => y));
  if (xMin === xMax) [xMin, xMax] = [xMin - 1, xMax + 1];
  if (yMin === yMax) [yMin, yMax] = [yMin - 1, yMax + 1];

  const yLabels = [yMax, (yMin + yMax) / 2, yMin].map(formatNumber);
  const left = 8 + Math.max(...yLabels.map((l) => measureText(l).width));
  const top = args.title ? 8 + LINE_HEIGHT + 4 : 8;
  const legendHeight = Math.ceil(series.length / 4) * (LINE_HEIGHT + 2);
  const bottom = height - 8 - LINE_HEIGHT - 4 - legendHeight;
  const right = width - 12;
  if (args.title) drawText(image, left, 6, args.title, ink);

  // Frame, grid and labels.
  for (let k = 0; k <= 4; k++) {
    const y = Math.round(top + ((bottom - top) * k) / 4);
    fillRect(image, left, y, right - left, 1, grid);
  }
  fillRect(image, left, top, 1, bottom - top + 1, ink);
  fillRect(image, left, bottom, right - left + 1, 1, ink);
  yLabels.forEach((label, k) => {
    const y = Math.round(top + ((bottom - top) * k) / 2) - Math.floor(LINE_HEIGHT / 2);
    drawText(image, left - 4 - measureText(label).width, y, label, ink);
  });
  const xLo = formatNumber(xMin);
  const xHi = formatNumber(xMax);
  drawText(image, left, bottom + 4, xLo, ink);
  drawText(image, right - measureText(xHi).width, bottom + 4, xHi, ink);
  if (args.xLabel) drawText(image, Math.round((left + right - measureText(args.xLabel).width) / 2), bottom + 4, args.xLabel, ink);

  const toPixel = (x: number, y: number): [number, number] => [
    left + ((x - xMin) / (xMax - xMin)) * (right - left),
    bottom - ((y - yMin) / (yMax - yMin)) * (bottom - top),
  ];
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    let previous: [number, number] | undefined;
    for (const [x, y] of s.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        previous = undefined;
        continue;
      }
      const current = toPixel(x, y);
      if (previous) drawLine(image, previous, current, color);
      else fillRect(image, Math.round(current[0]), Math.round(current[1]), 1, 1, color);
      previous = current;
    }
    // Legend: four entries per row under the x axis.
    const column = i % 4;
    const row = Math.floor(i / 4);
    const lx = left + column * Math.floor((right - left) / 4);
    const ly = height - 6 - legendHeight + row * (LINE_HEIGHT + 2);
    fillRect(image, lx, ly + 3, 10, 3, color);
    drawText(image, lx + 14, ly, s.name, ink);
  });
  return image;
}

function extent(values: number[]): [number, number] {
  if (!values.length) return [0, 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function formatNumber(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e5 || magnitude < 1e-3)) return value.toExponential(1);
  return Number(value.toPrecision(3)).toString();
}

/** A two-pixel-wide line (Bresenham on the rounded ends). */
function drawLine(image: RgbImage, [x0, y0]: [number, number], [x1, y1]: [number, number], color: Rgb): void {
  let x = Math.round(x0);
  let y = Math.round(y0);
  const xEnd = Math.round(x1);
  const yEnd = Math.round(y1);
  const dx = Math.abs(xEnd - x);
  const dy = -Math.abs(yEnd - y);
  const sx = x < xEnd ? 1 : -1;
  const sy = y < yEnd ? 1 : -1;
  let error = dx + dy;
  for (;;) {
    fillRect(image, x, y, 2, 2, color);
    if (x === xEnd && y === yEnd) return;
    const e2 = 2 * error;
    if (e2 >= dy) {
      error += dy;
      x += sx;
    }
    if (e2 <= dx) {
      error += dx;
      y += sy;
    }
  }
}
