/**
 * Learning-rate schedules: the scale of every configured learning rate for the update after `step`
 * completed steps of a run of `steps`. A function of the step alone, so a resumed run follows the same
 * schedule as an uninterrupted one.
 */

export type LearningRateDecay = 'none' | 'linear';

/** 'none': 1 throughout. 'linear': 1 at the first update, falling to 0 at `steps` (never below). */
export function learningRateScale(decay: LearningRateDecay, step: number, steps: number): number {
  if (decay === 'none') return 1;
  return Math.max(0, 1 - step / steps);
}
