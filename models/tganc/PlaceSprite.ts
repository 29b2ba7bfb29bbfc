/**
 * PlaceSprite: draws one sprite on a black canvas at a position per frame, differentiably in both the
 * sprite and the positions (the "write attention" of DRAW and Sync-DRAW, with a bilinear kernel).
 *
 *   inputs  sprite [N, 1, s, s, C] in [0, 1], path [N, 2T] in [0, 1] (x0, y0, x1, y1, …: fractions of the
 *           travel S - s, so a sprite never leaves the canvas, as the bouncing digits never do)
 *   output  [N, T, S, S, C] in [-1, 1] (the canvas, 0 -> -1)
 *
 * Frame t is Ay_t · sprite · Ax_tᵀ with Ay_t[i, r] = max(0, 1 - |i - r - y_t|) (S x s): row r of the sprite
 * lands on canvas row r + y_t, split between two rows at a fractional y_t; the same for columns. Two batched
 * matMuls per channel and no gather: fast on every backend, and the gradient is tfjs's own.
 *
 * At exactly whole-pixel positions the gradient with respect to the position is 0 (the kernel's kinks);
 * positions from a sigmoid are never exactly whole, so training does not notice.
 */
import * as tf from '@tensorflow/tfjs';
import { single, singleShape } from './videoLayers.ts';
import type { LayerArgs, Shape } from './videoLayers.ts';

export interface PlaceSpriteArgs extends LayerArgs {
  /** T: frames of the output clip (the path holds 2T numbers). */
  frames: number;
  /** S: canvas side; larger than the sprite. */
  size: number;
}

export class PlaceSprite extends tf.layers.Layer {
  static className = 'TganPlaceSprite';
  readonly frames: number;
  readonly size: number;

  constructor(args: PlaceSpriteArgs) {
    super(args);
    if (!(Number.isSafeInteger(args.frames) && args.frames >= 1)) throw new RangeError(`PlaceSprite: frames must be a whole number >= 1, got ${args.frames}`);
    if (!(Number.isSafeInteger(args.size) && args.size >= 2)) throw new RangeError(`PlaceSprite: size must be a whole number >= 2, got ${args.size}`);
    this.frames = args.frames;
    this.size = args.size;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    if (!Array.isArray(inputShape[0]) || inputShape.length !== 2) throw new Error(`${this.name}: PlaceSprite takes [sprite, path]`);
    const [sprite, path] = inputShape as Shape[];
    if (sprite!.length !== 5 || sprite![1] !== 1 || sprite![2] !== sprite![3]) {
      throw new Error(`${this.name}: the sprite must be [N, 1, s, s, C], got [${sprite!.join(', ')}]`);
    }
    if (!(sprite![2]! < this.size)) throw new Error(`${this.name}: the sprite (${sprite![2]}) must be smaller than the canvas (${this.size})`);
    if (path!.length !== 2 || path![1] !== 2 * this.frames) throw new Error(`${this.name}: the path must be [N, ${2 * this.frames}], got [${path!.join(', ')}]`);
    return [sprite![0] ?? null, this.frames, this.size, this.size, sprite![4] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error(`${this.name}: PlaceSprite takes [sprite, path]`);
      const [sprite, path] = inputs as [tf.Tensor5D, tf.Tensor2D];
      const [n, , s, , c] = sprite.shape;
      const [t, size] = [this.frames, this.size];
      const offsets = tf.mul(tf.reshape(path, [n, t, 2]), size - s);
      // i - r for canvas row i and sprite row r: [S, s].
      const gap = tf.sub(tf.reshape(tf.range(0, size), [size, 1]), tf.reshape(tf.range(0, s), [1, s]));
      const kernel = (axis: 0 | 1): tf.Tensor => {
        const at = tf.reshape(tf.slice(offsets, [0, 0, axis], [n, t, 1]), [n, t, 1, 1]);
        return tf.relu(tf.sub(1, tf.abs(tf.sub(gap, at)))); // [N, T, S, s]
      };
      const ax = tf.reshape(kernel(0), [n * t, size, s]);
      const ay = tf.reshape(kernel(1), [n, t * size, s]);
      const channels: tf.Tensor[] = [];
      for (let k = 0; k < c; k++) {
        const plane = c === 1 ? tf.reshape(sprite, [n, s, s]) : tf.reshape(tf.slice(sprite, [0, 0, 0, 0, k], [n, 1, s, s, 1]), [n, s, s]);
        const rows = tf.reshape(tf.matMul(ay, plane), [n * t, size, s]); // sprite rows moved down
        channels.push(tf.reshape(tf.matMul(rows, ax, false, true), [n, t, size, size, 1])); // columns moved right
      }
      const canvas = c === 1 ? channels[0]! : tf.concat(channels, 4);
      return tf.sub(tf.mul(canvas, 2), 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), frames: this.frames, size: this.size };
  }
}

tf.serialization.registerClass(PlaceSprite);

