/**
 * 3D convolution, its input gradient (= transposed convolution) and its filter
 * gradient, re-expressed with ops the tfjs wasm backend runs well: XNNPACK
 * conv2d, pad, rank <= 4 transposes and slices of whole rows.
 * 2D convolutions use the same code with a unit depth axis.
 *
 * These are backend-agnostic tensor programs (they run on cpu too); the
 * wasm kernels in this folder call them inside `tensorKernel`.
 */
import * as tf from '@tensorflow/tfjs';
import { ceilDiv, depthToSpace2d, padCrop5d } from './convGeometry.ts';
import type { Geom3 } from './convGeometry.ts';

/** Rows [start, start + count) of axis 1 of `t` viewed as [a, b, rest]. */
function sliceAxis1(t: tf.Tensor, a: number, b: number, start: number, count: number): tf.Tensor {
  const rest = t.size / (a * b);
  if (start === 0 && count === b) return t.reshape([a, b, rest]);
  return t.reshape([a, b, rest]).slice([0, start, 0], [a, count, rest]);
}

/**
 * Forward 3D convolution y = conv3d(x, w) as a sum over depth taps of strided
 * 2D convolutions: y[:, od] = sum_kd conv2d(xpad[:, od*sd + kd], w[kd]).
 * x [N,D,H,W,C], w [Kd,Kh,Kw,C,Co] -> [N,Do,Ho,Wo,Co].
 */
export function conv3dViaConv2d(x: tf.Tensor5D, w: tf.Tensor5D, g: Geom3): tf.Tensor5D {
  const [n, , , , c] = x.shape;
  const co = w.shape[4];
  const [dd, dh, dw] = g;
  if (dd.outSize * dh.outSize * dw.outSize * n * co === 0) return tf.zeros([n, dd.outSize, dh.outSize, dw.outSize, co]);
  // Depth is padded to a multiple of the stride so every depth tap is a slice of
  // a [N, Dq, sd, H*W*C] view; height/width exactly to (out-1)*s + k.
  const dq = Math.max(ceilDiv((dd.outSize - 1) * dd.stride + dd.filter, dd.stride), ceilDiv(dd.padBefore + dd.inSize, dd.stride));
  const needH = (dh.outSize - 1) * dh.stride + dh.filter;
  const needW = (dw.outSize - 1) * dw.stride + dw.filter;
  const xp = padCrop5d(x, [
    [dd.padBefore, dq * dd.stride - dd.inSize - dd.padBefore],
    [dh.padBefore, needH - dh.inSize - dh.padBefore],
    [dw.padBefore, needW - dw.inSize - dw.padBefore],
  ]);
  const plane = needH * needW * c;
  const wFlat = w.reshape([dd.filter, dh.filter * dw.filter * c * co]);
  const parts: tf.Tensor4D[] = [];
  for (let kd = 0; kd < dd.filter; kd++) {
    let xs: tf.Tensor;
    if (dd.stride === 1) {
      xs = sliceAxis1(xp, n, dq, kd, dd.outSize);
    } else {
      const v = xp.reshape([n, dq, dd.stride, plane]);
      xs = v.slice([0, Math.floor(kd / dd.stride), kd % dd.stride, 0], [n, dd.outSize, 1, plane]);
    }
    const x4 = xs.reshape([n * dd.outSize, needH, needW, c]) as tf.Tensor4D;
    const wk = (dd.filter === 1 ? wFlat : wFlat.slice([kd, 0], [1, -1])).reshape([dh.filter, dw.filter, c, co]) as tf.Tensor4D;
    parts.push(tf.conv2d(x4, wk, [dh.stride, dw.stride], 'valid'));
  }
  const y = parts.length === 1 ? parts[0]! : tf.addN(parts);
  return y.reshape([n, dd.outSize, dh.outSize, dw.outSize, co]) as tf.Tensor5D;
}

/**
 * Rearranges a filter [Kd,Kh,Kw,C,Co] for the sub-pixel transposed
 * convolution over height/width: pads Kh, Kw with zeros to K'*s, splits
 * k = j*s + r, flips j and moves the phases r into output channels:
 * -> [Kd, (K'h, K'w, Co, sh, sw, C)] flattened per depth tap. Rank <= 4 steps only.
 */
function subpixelFilter(w: tf.Tensor5D, kqh: number, sh: number, kqw: number, sw: number): tf.Tensor2D {
  const [kd, kh, kw, c, co] = w.shape;
  let t: tf.Tensor = w;
  if (kqh * sh > kh || kqw * sw > kw) {
    t = tf.pad(t, [[0, 0], [0, kqh * sh - kh], [0, kqw * sw - kw], [0, 0], [0, 0]]);
  }
  // [kd,kqh,sh,kqw,sw | c | co] -> [kd,kqh,sh,kqw,sw | co | c]
  t = t.reshape([kd * kqh * sh * kqw * sw, c, co]).transpose([0, 2, 1]);
  // [kd,kqh,sh,kqw | sw | co | c] -> [kd,kqh,sh,kqw | co | sw | c]
  if (sw > 1) t = t.reshape([kd * kqh * sh * kqw, sw, co, c]).transpose([0, 2, 1, 3]);
  // [kd,kqh | sh | kqw,co | sw,c] -> [kd,kqh | kqw,co | sh | sw,c]
  if (sh > 1) t = t.reshape([kd * kqh, sh, kqw * co, sw * c]).transpose([0, 2, 1, 3]);
  t = t.reshape([kd, kqh, kqw, co * sh * sw * c]);
  const flip = [1, 2].filter((a) => (a === 1 ? kqh : kqw) > 1);
  if (flip.length > 0) t = tf.reverse(t, flip);
  return t.reshape([kd, kqh * kqw * co * sh * sw * c]) as tf.Tensor2D;
}

/**
 * Input gradient of a 3D convolution (the transposed convolution), by
 * sub-pixel decomposition. Along an axis with stride s, filter K, padding p:
 *   dx[i] = sum_{o,k : o*s + k = i + p} dy[o] w[k].
 * Writing i + p = q*s + r and k = r + j*s, each phase r is a stride-1
 * correlation of dy with the flipped sub-filter w[r + j*s], j < K' = ceil(K/s).
 * - height/width: all phases at once as extra output channels of one stride-1
 *   conv2d (filters zero-padded to K'*s), then depth-to-space and a crop;
 * - depth: each depth phase separately, over exactly the output rows it owns,
 *   as a sum over its depth taps of those conv2d; phases are then interleaved.
 * dy [N,Do,Ho,Wo,Co], w [Kd,Kh,Kw,C,Co] -> dx [N,D,H,W,C].
 */
export function conv3dBackpropInputViaConv2d(dy: tf.Tensor5D, w: tf.Tensor5D, g: Geom3): tf.Tensor5D {
  const [n, yd, , , co] = dy.shape;
  const c = w.shape[3];
  const [gd, gh, gw] = g;
  const [D, H, W] = [gd.inSize, gh.inSize, gw.inSize];
  if (dy.size === 0 || w.size === 0) return tf.zeros([n, D, H, W, c]);
  const [sd, sh, sw] = [gd.stride, gh.stride, gw.stride];
  const [kqd, kqh, kqw] = [ceilDiv(gd.filter, sd), ceilDiv(gh.filter, sh), ceilDiv(gw.filter, sw)];
  const [q0h, q0w] = [Math.floor(gh.padBefore / sh), Math.floor(gw.padBefore / sw)];
  const qh = ceilDiv(gh.padBefore + H, sh) - q0h;
  const qw = ceilDiv(gw.padBefore + W, sw) - q0w;

  // Depth phases in output order: output row i = k + m*sd has phase (pd + k) mod sd;
  // phase rd owns dy-space rows q = qlo.. (i + pd = q*sd + rd). tfjs's 3D 'same'
  // padding is not clamped at 0, so pd (and qlo) can be negative.
  const phases: { rd: number; qlo: number; count: number }[] = [];
  for (let k = 0; k < Math.min(sd, D); k++) {
    const rd = (((gd.padBefore + k) % sd) + sd) % sd;
    phases.push({ rd, qlo: ceilDiv(gd.padBefore - rd, sd), count: ceilDiv(D - k, sd) });
  }
  // dyp[t] = dy[t - base] in depth; z_rd[q] = sum_jd dyp[q + base - jd] w[rd + jd*sd].
  const base = kqd - 1 - Math.min(0, ...phases.map((ph) => ph.qlo));
  const needD = Math.max(...phases.map((ph) => ph.qlo + ph.count + base));
  const dyp = padCrop5d(dy, [
    [base, Math.max(0, needD - base - yd)],
    [kqh - 1 - q0h, qh + q0h - gh.outSize],
    [kqw - 1 - q0w, qw + q0w - gw.outSize],
  ]);
  const dp = dyp.shape[1];
  const [hp, wp] = [qh + kqh - 1, qw + kqw - 1];
  const planeIn = hp * wp * co;
  const outC = sh * sw * c;
  const dyv = dyp.reshape([n, dp, planeIn]);
  const wf = subpixelFilter(w, kqh, sh, kqw, sw);
  const offH = gh.padBefore - q0h * sh;
  const offW = gw.padBefore - q0w * sw;

  const outs: tf.Tensor5D[] = [];
  for (const { rd, qlo, count } of phases) {
    const parts: tf.Tensor4D[] = [];
    for (let jd = 0; jd < kqd; jd++) {
      const kd = rd + jd * sd;
      if (kd >= gd.filter) continue; // zero tap
      const rows = dyv.slice([0, qlo + base - jd, 0], [n, count, planeIn]).reshape([n * count, hp, wp, co]) as tf.Tensor4D;
      const wk = (gd.filter === 1 ? wf : wf.slice([kd, 0], [1, -1])).reshape([kqh, kqw, co, outC]) as tf.Tensor4D;
      parts.push(tf.conv2d(rows, wk, 1, 'valid'));
    }
    const z = parts.length === 0 ? tf.zeros([n * count, qh, qw, outC]) : parts.length === 1 ? parts[0]! : tf.addN(parts);
    const full = depthToSpace2d(z, n * count, qh, qw, sh, sw, c).reshape([n, count, qh * sh, qw * sw, c]) as tf.Tensor5D;
    outs.push(
      padCrop5d(full, [
        [0, 0],
        [-offH, -(qh * sh - offH - H)],
        [-offW, -(qw * sw - offW - W)],
      ]),
    );
  }
  if (outs.length === 1) return outs[0]!;
  // Interleave depth phases: [N, cmax, P, H*W*C] -> [N, cmax*P, H*W*C] -> first D rows.
  const cmax = phases[0]!.count;
  const plane = H * W * c;
  const stacked = outs.map((t, i) => {
    const cnt = phases[i]!.count;
    const t3 = t.reshape([n, cnt, plane]);
    return (cnt < cmax ? tf.pad(t3, [[0, 0], [0, cmax - cnt], [0, 0]]) : t3).reshape([n, cmax, 1, plane]);
  });
  const inter = tf.concat(stacked, 2).reshape([n, cmax * outs.length, plane]);
  const rowsD = cmax * outs.length === D ? inter : inter.slice([0, 0, 0], [n, D, plane]);
  return rowsD.reshape([n, D, H, W, c]) as tf.Tensor5D;
}

/**
 * Filter gradient of a 3D convolution as ONE dilated 2D convolution:
 *   dw[kd,kh,kw,c,co] = sum_{n,od,oh,ow} x[n, od*sd+kd, oh*sh+kh, ow*sw+kw, c] dy[n,od,oh,ow,co]
 * is conv2d(in, f, dilation = (sh, sw)) with
 *   in[(c,kd), h, w, (n,od)] = xpad[n, od*sd + kd, h, w, c]   (batch C*Kd, channels N*Do)
 *   f[oh, ow, (n,od), co]     = dy[n, od, oh, ow, co]          (filter Ho x Wo)
 * giving [C*Kd, Kh, Kw, Co]. XNNPACK does the windowing (no im2col copies) and
 * packs dy once; the only data movement is one depth unfold + transpose of x.
 * x [N,D,H,W,C], dy [N,Do,Ho,Wo,Co] -> dw [Kd,Kh,Kw,C,Co].
 */
export function conv3dBackpropFilterViaConv2d(x: tf.Tensor5D, dy: tf.Tensor5D, g: Geom3): tf.Tensor5D {
  const [n, , , , c] = x.shape;
  const co = dy.shape[4];
  const [gd, gh, gw] = g;
  const [kd, kh, kw] = [gd.filter, gh.filter, gw.filter];
  const [yd, yh, yw] = [gd.outSize, gh.outSize, gw.outSize];
  if (x.size === 0 || dy.size === 0) return tf.zeros([kd, kh, kw, c, co]);
  const sd = gd.stride;
  const dq = ceilDiv((yd - 1) * sd + kd, sd);
  const needH = (yh - 1) * gh.stride + kh;
  const needW = (yw - 1) * gw.stride + kw;
  const xp = padCrop5d(x, [
    [gd.padBefore, dq * sd - gd.inSize - gd.padBefore],
    [gh.padBefore, needH - gh.inSize - gh.padBefore],
    [gw.padBefore, needW - gw.inSize - gw.padBefore],
  ]);
  const hw = needH * needW;
  const plane = hw * c;
  const m = n * yd;
  const rows: tf.Tensor[] = [];
  for (let k = 0; k < kd; k++) {
    const r =
      sd === 1
        ? sliceAxis1(xp, n, dq, k, yd)
        : xp.reshape([n, dq, sd, plane]).slice([0, Math.floor(k / sd), k % sd, 0], [n, yd, 1, plane]);
    rows.push(r.reshape([1, m, hw, c]));
  }
  const unfolded = rows.length === 1 ? rows[0]! : tf.concat(rows, 0); // [Kd, N*Do, H*W, C]
  // -> [C, Kd, H*W, N*Do] in two steps: the wasm backend's batched 2D transposes
  // run near copy speed, its general rank-4 permutation ~4x slower.
  const input = unfolded
    .reshape([kd, m, hw * c])
    .transpose([0, 2, 1])
    .reshape([kd, hw, c, m])
    .transpose([2, 0, 1, 3])
    .reshape([c * kd, needH, needW, m]) as tf.Tensor4D;
  const f = dy.reshape([m, yh * yw, co]).transpose([1, 0, 2]).reshape([yh, yw, m, co]) as tf.Tensor4D;
  const out = tf.conv2d(input, f, 1, 'valid', 'NHWC', [gh.stride, gw.stride]); // [C*Kd, Kh, Kw, Co]
  return out.reshape([c, kd * kh * kw, co]).transpose([1, 0, 2]).reshape([kd, kh, kw, c, co]) as tf.Tensor5D;
}
