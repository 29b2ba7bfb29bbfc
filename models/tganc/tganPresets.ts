/**
 * Named TGANs-C sizes for DAG files. Measured on this 2-core CPU (wasm, 48x48x16 grey, batch 8, all
 * three discriminators): `paper` ~14 s per step, `small` ~4 s (half the channels: a quarter of the work);
 * `small` with 4 frames for the frame discriminator and a 6-frame motion window: 1.5-2 s; `fast` (a quarter
 * of the paper's channels, same samples): 0.55-0.8 s, for runs of many thousand steps on a laptop CPU.
 */
import { defaultTganArgs, tinyTganArgs, type TganArgs } from './TganConfig.ts';

export const TGAN_PRESETS = ['paper', 'small', 'fast', 'tiny'] as const;
export type TganPreset = (typeof TGAN_PRESETS)[number];

/** The preset's networks at `size` (frames, channels and seed are set by the caller). */
export function tganPreset(preset: TganPreset, size: number): Omit<TganArgs, 'frames' | 'size' | 'channels'> {
  const base = preset === 'tiny' ? tinyTganArgs() : { ...defaultTganArgs(48), size };
  const { frames, size: _size, channels, ...networks } = base;
  switch (preset) {
    case 'paper':
      return networks;
    case 'small':
      // Half the channels, and the frame and motion discriminators on 4 sampled frames and a 6-frame window.
      return { ...networks, gChannels: [128, 64, 32, 16], dChannels: [16, 32, 64, 128], frameSamples: 4, motionWindow: 6 };
    case 'fast':
      return { ...networks, gChannels: [64, 32, 16, 8], dChannels: [8, 16, 32, 64], frameSamples: 4, motionWindow: 6 };
    case 'tiny':
      return { ...networks, temporalCoherenceWeight: 0 };
  }
}
