/**
 * Named sizes of the U-Net next-frame predictor for DAG files (the window, frame size, channels,
 * sentence size and seed are set by the caller):
 * - `default`: defaultUnetArgs' widths (encoder 32…256, bottleneck 256, 256; discriminator 32…256);
 * - `small`: half of those and one bottleneck layer (about a quarter of the work);
 * - `tiny`: tests (3 encoder stages, 2 discriminator stages, a handful of channels).
 * `default` and `small` halve the frame 4 times (size a multiple of 16: 48 and 64 work); `tiny` 3 times.
 */
import { defaultUnetArgs, tinyUnetArgs, type UnetArgs } from './UnetConfig.ts';

export const UNET_PRESETS = ['default', 'small', 'tiny'] as const;
export type UnetPreset = (typeof UNET_PRESETS)[number];

export type UnetPresetArgs = Pick<UnetArgs, 'encoderChannels' | 'bottleneckChannels' | 'dChannels' | 'leak' | 'conditionDim'>;

export function unetPreset(preset: UnetPreset): UnetPresetArgs {
  const base = preset === 'tiny' ? tinyUnetArgs() : defaultUnetArgs(64, 1);
  const networks: UnetPresetArgs = {
    encoderChannels: [...base.encoderChannels],
    bottleneckChannels: [...base.bottleneckChannels],
    dChannels: [...base.dChannels],
    leak: base.leak,
    ...(base.conditionDim !== undefined ? { conditionDim: base.conditionDim } : {}),
  };
  if (preset === 'small') return { ...networks, encoderChannels: [16, 32, 64, 128], bottleneckChannels: [128], dChannels: [16, 32, 64, 128], conditionDim: 32 };
  return networks;
}

/** The frame size must be a multiple of this for the preset (one halving per encoder or discriminator stage). */
export function unetSizeFactor(preset: UnetPreset): number {
  const p = unetPreset(preset);
  return 2 ** Math.max(p.encoderChannels.length, p.dChannels.length);
}
