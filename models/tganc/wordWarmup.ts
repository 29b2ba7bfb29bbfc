/**
 * The word classifiers' warm-up before a TGANs-C run (TganModel.warmUpWords): `rounds` updates on
 * batches of `batch` real clips streamed from a dataset's train split, shuffled by a seed of their own,
 * starting over when the split runs out. Memory holds one batch at a time.
 */
import type { Dataset } from '../../datasets/shards/Dataset.ts';
import type { Clip } from '../../datasets/clip.ts';
import type { TganTrainer } from './TganTrainer.ts';
import { deriveSeed } from './seeds.ts';

export interface WordWarmupArgs {
  rounds: number;
  batch: number;
  /** The run's seed (the clip order is derived from it). */
  seed: number;
  /** Called after each round with its number (1-based) and word loss. */
  onRound?: (round: number, loss: number) => void;
}

/** Runs the warm-up and frees its optimiser; returns the mean word loss of the last (up to) 50 rounds. */
export async function warmUpWordClassifiers(trainer: TganTrainer, dataset: Dataset, args: WordWarmupArgs): Promise<number> {
  const recent: number[] = [];
  let round = 0;
  let pass = 0;
  try {
    while (round < args.rounds) {
      let chunk: Clip[] = [];
      let clipsThisPass = 0;
      for await (const clip of dataset.stream({ split: 'train', shuffleSeed: deriveSeed(args.seed, `word-warmup/${pass}`) })) {
        clipsThisPass++;
        chunk.push(clip);
        if (chunk.length < args.batch) continue;
        const loss = trainer.warmUpStep(chunk, round);
        chunk = [];
        round++;
        recent.push(loss);
        if (recent.length > 50) recent.shift();
        args.onRound?.(round, loss);
        if (round >= args.rounds) break;
      }
      if (clipsThisPass < args.batch) throw new RangeError(`word warm-up needs at least ${args.batch} train clips; the dataset has ${clipsThisPass}`);
      pass++;
    }
  } finally {
    trainer.model.endWarmUp();
  }
  return recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length);
}
