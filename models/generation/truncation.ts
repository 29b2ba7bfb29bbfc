/**
 * The truncation trick (BigGAN, StyleGAN): generate from noise scaled by ψ in (0, 1]. A generator maps
 * noise far from 0 to its least typical videos; drawing nearer 0 trades diversity for fidelity. ψ = 1
 * is the noise of training. No TensorFlow.js here, so settings can be checked before it loads.
 */
import { UsageError } from '../../pipeline/errors/index.ts';

/** Throws unless ψ is in (0, 1]. */
export function checkTruncation(truncation: number): void {
  if (!(truncation > 0 && truncation <= 1)) throw new RangeError(`truncation must be in (0, 1] (1: none), got ${truncation}`);
}

/** Throws unless ψ suits a model of `kind` (named `name` in the message): a U-Net draws no noise, so only 1. */
export function checkTruncationFor(kind: string, name: string, truncation: number): void {
  checkTruncation(truncation);
  if (kind === 'unet' && truncation !== 1) throw new UsageError(`${name} is a U-Net model: it draws no noise, so there is nothing to truncate (leave truncation at 1)`);
}
