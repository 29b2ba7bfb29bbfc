/** The frames, size and channels a video model takes, and whether a dataset's clips fit it. */
export interface VideoGeometry {
  frames: number;
  size: number;
  channels: number;
}

/** Why clips of `shape` cannot feed a model of `geometry`, or undefined when they can. */
export function geometryMismatch(shape: readonly number[], geometry: VideoGeometry): string | undefined {
  const [t, h, w, c] = shape;
  if (shape.length !== 4) return `clips must be [T, H, W, C], got [${shape.join(', ')}]`;
  if (t! < geometry.frames) return `the model takes ${geometry.frames} frames but clips have ${t} ([${shape.join(', ')}])`;
  if (c !== geometry.channels) return `the model takes ${geometry.channels} channel(s) but clips have ${c} ([${shape.join(', ')}])`;
  if (h !== w) return `frames must be square, got ${h}x${w}`;
  return undefined;
}

