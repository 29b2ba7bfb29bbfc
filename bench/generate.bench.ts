import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixed, runNodeWorker, type Benchmark, type BenchOptions, type BenchReport } from './lib.ts';
import { GENERATE_WORKER, type GenerateMode, type GenerateWorkerResult } from './generateShared.ts';

/**
 * Generation over caption files (`t2v generate`, dags/generate.yaml) with a model of the training DAG's
 * default size (untrained: the weights do not change the work), on wasm. For GIF and MP4: the pipeline's
 * videos/s against the generator alone and the encoders alone over the same count, measured in the same
 * run, which gives the share of each in the pipeline's time and how well they overlap; and peak RSS at
 * 1,000 and 10,000 captions (flat: the generator waits for the encoders, nothing piles up).
 */
export default {
  name: 'generate',
  async run({ quick, log }: BenchOptions): Promise<BenchReport> {
    const dir = await mkdtemp(join(tmpdir(), 't2v-bench-generate-'));
    try {
      const measure = async (mode: GenerateMode, count: number, format: string) => {
        const r = await runNodeWorker<GenerateWorkerResult>(GENERATE_WORKER, ['--mode', mode, '--count', String(count), '--format', format, '--dir', dir]);
        if (mode !== 'setup' && r.videos !== count) throw new Error(`${mode} ${format} ${count}: made ${r.videos} videos`);
        log(`  ${mode.padEnd(8)} ${format} ${String(count).padStart(6)}: ${fixed(r.ms)} ms, ${fixed(count / (r.ms / 1000), 1)} videos/s, peak RSS ${fixed(r.maxRssKiB / 1024)} MiB`);
        return r;
      };
      await measure('setup', 0, 'gif');
      const small = quick ? 100 : 1_000;
      const large = quick ? 400 : 10_000;
      const rows: (string | number)[][] = [];
      const data: Record<string, unknown> = {};
      for (const format of ['gif', 'mp4']) {
        const pipeline = await measure('pipeline', small, format);
        const generate = await measure('generate', small, format);
        const encode = await measure('encode', small, format);
        const rate = (r: GenerateWorkerResult) => small / (r.ms / 1000);
        rows.push([format, small, fixed(rate(pipeline), 1), fixed(rate(generate), 1), fixed(rate(encode), 1), fixed(generate.ms / pipeline.ms, 2), fixed(encode.ms / pipeline.ms, 2), fixed(pipeline.maxRssKiB / 1024)]);
        data[format] = { pipeline, generate, encode };
      }
      const big = await measure('pipeline', large, 'gif');
      const smallGif = (data['gif'] as { pipeline: GenerateWorkerResult }).pipeline;
      const rssRatio = big.maxRssKiB / smallGif.maxRssKiB;
      rows.push(['gif', large, fixed(large / (big.ms / 1000), 1), '', '', '', '', fixed(big.maxRssKiB / 1024)]);
      data['rss'] = { small: smallGif.maxRssKiB, large: big.maxRssKiB, ratio: rssRatio };
      const gif = data['gif'] as Record<'pipeline' | 'generate' | 'encode', GenerateWorkerResult>;
      return {
        name: 'generate',
        summary: [
          `GIF, ${small} captions: ${fixed(small / (gif.pipeline.ms / 1000), 1)} videos/s; generation alone is ${fixed((gif.generate.ms / gif.pipeline.ms) * 100)}% of the pipeline's time, encoding alone ${fixed((gif.encode.ms / gif.pipeline.ms) * 100)}%`,
          `peak RSS ${large} / ${small} captions (GIF) = ${fixed(rssRatio, 2)} (${fixed(big.maxRssKiB / 1024)} vs ${fixed(smallGif.maxRssKiB / 1024)} MiB)`,
        ],
        table: { headers: ['format', 'captions', 'pipeline videos/s', 'generator alone', 'encoders alone', 'generate / pipeline time', 'encode / pipeline time', 'peak RSS MiB'], rows },
        data,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
} satisfies Benchmark;
