import { join, resolve } from 'node:path';
import { z } from 'zod';
import { defineSink } from '../pipeline/core/StageType.ts';
import { ShardWriter } from '../datasets/shards/ShardWriter.ts';
import type { Clip } from '../datasets/clip.ts';
import { Vocabulary } from '../text/Vocabulary.ts';
import { readWordVectors, saveWordVectors } from '../text/wordVectors.ts';

/** Tokens of every caption of a clip (all annotated captions, or the one caption). */
function captionTokens(clip: Clip): string[][] {
  const annotated = clip.captions?.filter((c) => c.tokens).map((c) => c.tokens!.filter((t) => /[\p{L}\p{N}]/u.test(t)).map((t) => t.toLowerCase()));
  return annotated?.length ? annotated : [clip.tokens];
}

/**
 * Writes clips as a t2v shard dataset (see the README's "Shard format"), atomically. It also builds
 * the caption vocabulary as clips pass and, given a fastText/GloVe file, keeps the vectors of the
 * vocabulary's words: both saved inside the dataset, so training needs no NLP or big files.
 */
export const writeShardsStage = defineSink({
  name: 'write-shards',
  description: 'Write clips into a dataset folder of fixed-shape uint8 shards plus JSONL indexes and a vocabulary.',
  version: 2,
  kind: 'sink',
  input: 'Clip',
  // One writer, one file at a time: bytes depend only on the order of clips.
  maxConcurrency: 1,
  config: z.strictObject({
    out: z.string().min(1),
    /** Shards close before growing past this size. */
    maxShardMB: z.number().positive().default(64),
    /** Name recorded in dataset.json; defaults to the folder name. */
    name: z.string().optional(),
    /** Words seen fewer times than this map to <unk>. */
    minWordCount: z.number().int().min(1).default(1),
    /**
     * Captions the vocabulary is counted from: `train` keeps val/test words out (they map to <unk>, as
     * they would for a model trained on train); a dataset without train clips falls back to all.
     */
    vocabularyFrom: z.enum(['train', 'all']).default('train'),
    /** A fastText `.vec` or GloVe `.txt` file: the vocabulary's rows are kept as word-vectors.f32. Empty: none. */
    wordVectors: z.string().default(''),
  }),
  outputs: (config) => [config.out],
  inputs: (config) => (config.wordVectors ? [config.wordVectors] : []),
  async open(config, context) {
    const out = resolve(context.cwd, config.out);
    const writer = await ShardWriter.create({
      out,
      maxShardBytes: Math.floor(config.maxShardMB * 1024 * 1024),
      name: config.name ?? out.split(/[\\/]/).pop()!,
    });
    const fromTrain = new Vocabulary();
    const fromAll = new Vocabulary();
    return {
      async consume(clip) {
        await writer.add(clip);
        for (const tokens of captionTokens(clip)) {
          fromAll.add(tokens);
          if (clip.split === 'train') fromTrain.add(tokens);
        }
      },
      async finish() {
        const useTrain = config.vocabularyFrom === 'train' && fromTrain.distinctWords > 0;
        const vocabulary = useTrain ? fromTrain : fromAll;
        vocabulary.finalize({ minCount: config.minWordCount });
        await writer.addFile('vocabulary.json', JSON.stringify(vocabulary.toJSON()) + '\n');
        const attributes: Record<string, unknown> = { vocabulary: { file: 'vocabulary.json', size: vocabulary.size, from: useTrain ? 'train' : 'all' } };
        if (config.wordVectors) {
          const vectors = await readWordVectors(resolve(context.cwd, config.wordVectors), vocabulary);
          await saveWordVectors(join(writer.stagingPath, 'word-vectors.f32'), vocabulary.words, vectors.vectors, vectors.dim);
          attributes.wordVectors = { file: 'word-vectors.f32', dim: vectors.dim, source: config.wordVectors, coverage: vectors.coverage };
          context.log(`word vectors: ${vectors.coverage.found} of ${vectors.coverage.words} words (${(vectors.coverage.ratio * 100).toFixed(1)}%)`);
        }
        const meta = await writer.finish({ attributes });
        context.log(`wrote ${meta.clips} clips in ${meta.shards.length} shard(s) to ${out}; vocabulary of ${vocabulary.size}`);
        return { out, clips: meta.clips, shards: meta.shards.length, splits: meta.splits, vocabulary: vocabulary.size };
      },
      abort: () => writer.abort(),
    };
  },
});
