import type { Clip } from '../../datasets/clip.ts';

/** Take the first n items of an iterator without draining it. */
export function take<T>(it: Iterator<T>, n: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const r = it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

export interface FrameStats {
  /** Intensity-weighted centroid (x = column, y = row); NaN when the frame is empty. */
  x: number;
  y: number;
  /** Summed intensity (grey) or lit-pixel count (RGB: any channel non-zero). */
  mass: number;
}

/** Per-frame centroid of a clip: grey frames weight by intensity, RGB frames count lit pixels. */
export function centroids(clip: Pick<Clip, 'frames' | 'shape'>): FrameStats[] {
  const [t, h, w, c] = clip.shape;
  const out: FrameStats[] = [];
  for (let f = 0; f < t; f++) {
    let mass = 0;
    let sx = 0;
    let sy = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = ((f * h + y) * w + x) * c;
        let v: number;
        if (c === 1) v = clip.frames[p];
        else v = clip.frames[p] || clip.frames[p + 1] || clip.frames[p + 2] ? 1 : 0;
        mass += v;
        sx += v * x;
        sy += v * y;
      }
    }
    out.push({ x: sx / mass, y: sy / mass, mass });
  }
  return out;
}

export function range(values: number[]): number {
  return Math.max(...values) - Math.min(...values);
}
