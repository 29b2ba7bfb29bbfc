/**
 * Convolution geometry shared by the kernels: one `Dim` per spatial axis
 * (depth, height, width), 2D convolutions being 3D ones with a unit depth.
 *
 * Convention (NDHWC, "correlation" as in TensorFlow):
 *   y[o] = sum_k xpad[o * stride + k],   xpad[i'] = x[i' - padBefore]
 * with o in [0, outSize), k in [0, filter), x zero outside [0, inSize).
 */
import * as tf from '@tensorflow/tfjs';

export interface Dim {
  inSize: number;
  outSize: number;
  filter: number;
  stride: number;
  /** Zeros logically added before the input (front / top / left). */
  padBefore: number;
}

/** [depth, height, width]. */
export type Geom3 = [Dim, Dim, Dim];

type Conv3DInfo = ReturnType<typeof tf.backend_util.computeConv3DInfo>;
type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

const UNIT: Dim = { inSize: 1, outSize: 1, filter: 1, stride: 1, padBefore: 0 };

export function geomFrom3D(info: Conv3DInfo): Geom3 {
  return [
    { inSize: info.inDepth, outSize: info.outDepth, filter: info.filterDepth, stride: info.strideDepth, padBefore: info.padInfo.front },
    { inSize: info.inHeight, outSize: info.outHeight, filter: info.filterHeight, stride: info.strideHeight, padBefore: info.padInfo.top },
    { inSize: info.inWidth, outSize: info.outWidth, filter: info.filterWidth, stride: info.strideWidth, padBefore: info.padInfo.left },
  ];
}

export function geomFrom2D(info: Conv2DInfo): Geom3 {
  return [
    { ...UNIT },
    { inSize: info.inHeight, outSize: info.outHeight, filter: info.filterHeight, stride: info.strideHeight, padBefore: info.padInfo.top },
    { inSize: info.inWidth, outSize: info.outWidth, filter: info.filterWidth, stride: info.strideWidth, padBefore: info.padInfo.left },
  ];
}

export function unitDilations(dilations: unknown): boolean {
  const d = dilations == null ? [1] : Array.isArray(dilations) ? (dilations as number[]) : [dilations as number];
  return d.every((v) => v === 1);
}

/** ceil(a / b), never -0. */
export const ceilDiv = (a: number, b: number): number => Math.ceil(a / b) + 0;

/**
 * Pads (positive) or crops (negative) the three spatial axes of a rank-5
 * NDHWC tensor: spec[i] = [before, after] for depth, height, width.
 * Crops use rank-3 views, so the wasm backend slices whole rows (its rank-5
 * slice falls back to an element-wise JS loop); pads use one rank-5 pad.
 */
export function padCrop5d(t: tf.Tensor5D, spec: [number, number][]): tf.Tensor5D {
  const [n, d, h, w, c] = t.shape;
  const [[db, da], [hb, ha], [wb, wa]] = spec as [[number, number], [number, number], [number, number]];
  let out: tf.Tensor = t;
  let D = d;
  let H = h;
  let W = w;
  // Crop depth.
  const d0 = Math.max(0, -db);
  const d1 = d - Math.max(0, -da);
  if (d0 > 0 || d1 < d) {
    if (d1 <= d0) throw new Error(`padCrop5d: crop removes the whole depth axis`);
    out = out.reshape([n, d, h * w * c]).slice([0, d0, 0], [n, d1 - d0, h * w * c]);
    D = d1 - d0;
  }
  // Crop height and width together.
  const h0 = Math.max(0, -hb);
  const h1 = h - Math.max(0, -ha);
  const w0 = Math.max(0, -wb);
  const w1 = w - Math.max(0, -wa);
  if (h0 > 0 || h1 < h || w0 > 0 || w1 < w) {
    if (h1 <= h0 || w1 <= w0) throw new Error(`padCrop5d: crop removes a whole spatial axis`);
    out = out.reshape([n * D, h, w * c]).slice([0, h0, w0 * c], [n * D, h1 - h0, (w1 - w0) * c]);
    H = h1 - h0;
    W = w1 - w0;
  }
  out = out.reshape([n, D, H, W, c]);
  const p = (v: number): number => Math.max(0, v);
  if (p(db) + p(da) + p(hb) + p(ha) + p(wb) + p(wa) > 0) {
    out = tf.pad(out, [
      [0, 0],
      [p(db), p(da)],
      [p(hb), p(ha)],
      [p(wb), p(wa)],
      [0, 0],
    ]);
  }
  return out as tf.Tensor5D;
}

/**
 * Interleaves stride phases held in channels into space (depth-to-space with
 * possibly different height and width blocks): [B, Qh, Qw, sh*sw*C] (channel
 * order rh, rw, c) -> [B, Qh*sh, Qw*sw, C], with one rank-4 transpose.
 */
export function depthToSpace2d(z: tf.Tensor, b: number, qh: number, qw: number, sh: number, sw: number, c: number): tf.Tensor4D {
  if (sh * sw === 1) return z.reshape([b, qh, qw, c]) as tf.Tensor4D;
  // [B,Qh | Qw | rh | rw,C] -> [B,Qh | rh | Qw | rw,C]
  return z
    .reshape([b * qh, qw, sh, sw * c])
    .transpose([0, 2, 1, 3])
    .reshape([b, qh * sh, qw * sw, c]) as tf.Tensor4D;
}
