/**
 * The truncation trick (BigGAN, StyleGAN): generate from noise scaled by ψ in (0, 1]. A generator maps
 * noise far from 0 to its least typical videos; drawing nearer 0 trades diversity for fidelity. ψ = 1
 * is the noise of training. No TensorFlow.js here, so settings can be checked before it loads.
 */

/** Throws unless ψ is in (0, 1]. */
export function checkTruncation(truncation: number): void {
  if (!(truncation > 0 && truncation <= 1)) throw new RangeError(`truncation must be in (0, 1] (1: none), got ${truncation}`);
}
