/**
 * Named sizes of the two-stage generator for DAG files (frames, size, channels, caption length, word
 * dimension and seed are set by the caller):
 * - `default`: StackGAN's condition (128) and noise (100); generators 512…64 (Stage-I) and 256…32
 *   (Stage-II), discriminators the mirror; a VAE of 256 -> 128 and a joint space of 128;
 * - `small`: about half the widths (a quarter of the work): what a CPU can train in hours;
 * - `tiny`: tests (two stages per network, a handful of channels).
 * `default` and `small` halve the frame 4 times (size a multiple of 16: 48 and 64 work); `tiny` twice.
 */
import { stackVganSizeFactor, tinyStackVganArgs, type StackVganArgs } from './StackVganConfig.ts';

export const STACKVGAN_PRESETS = ['default', 'small', 'tiny'] as const;
export type StackVganPreset = (typeof STACKVGAN_PRESETS)[number];

/** What a preset sets: every width; the caller adds frames, size, channels, captionLength, wordDim, seed. */
export type StackVganPresetArgs = Omit<StackVganArgs, 'frames' | 'size' | 'channels' | 'captionLength' | 'wordDim' | 'seed' | 'batchNormMomentum' | 'outputBias' | 'maskBias'>;

export function stackVganPreset(preset: StackVganPreset): StackVganPresetArgs {
  if (preset === 'tiny') {
    const { frames, size, channels, captionLength, wordDim, seed, batchNormMomentum, outputBias, maskBias, ...widths } = tinyStackVganArgs();
    return widths;
  }
  const small = preset === 'small';
  const g = small ? [128, 64, 32, 16] : [256, 128, 64, 32];
  const d = [...g].reverse();
  return {
    vaeHiddenDims: [small ? 128 : 256],
    vaeLatentDim: small ? 64 : 128,
    embeddingDim: small ? 64 : 128,
    jointTextHiddenDims: [small ? 64 : 128],
    jointFrameFilters: small ? [16, 32, 64] : [32, 64, 128],
    margin: 1,
    conditionDim: small ? 64 : 128,
    imageNoiseDim: small ? 50 : 100,
    imageGChannels: small ? g : [512, 256, 128, 64],
    imageDChannels: small ? d : [64, 128, 256, 512],
    videoNoiseDim: small ? 50 : 100,
    videoEncoderChannels: d,
    videoGChannels: g,
    videoDChannels: d,
    dConditionDim: small ? 32 : 64,
    leak: 0.2,
  };
}

/** The frame size must be a multiple of this for the preset. */
export function stackVganPresetSizeFactor(preset: StackVganPreset): number {
  return stackVganSizeFactor(stackVganPreset(preset));
}
