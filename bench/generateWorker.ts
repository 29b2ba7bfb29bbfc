/**
 * One measurement of the generation benchmark in a fresh process (peak RSS of its own):
 *
 *   node --import tsx bench/generateWorker.ts --mode setup|pipeline|generate|encode --count N --format gif|mp4 --dir TMP
 *
 * Prints one JSON line (a GenerateWorkerResult) on stdout.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pLimit from 'p-limit';
import { selectBackend } from '../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../models/kernels/registerKernelFixes.ts';
import { TganBundle, saveTganBundle } from '../models/tganc/TganBundle.ts';
import { TganTrainer, generateVideoBatch, videoSeed } from '../models/tganc/TganTrainer.ts';
import { tganPreset } from '../models/tganc/tganPresets.ts';
import { encodeGif } from '../media/gif.ts';
import { writeMp4 } from '../media/ffmpeg.ts';
import { loadDag } from '../pipeline/dag/loadDag.ts';
import { runDag } from '../pipeline/run/runDag.ts';
import { builtinStages } from '../stages/index.ts';
import { Vocabulary } from '../text/Vocabulary.ts';
import { writeFileAtomic } from '../utils/atomicFile.ts';
import { ROOT } from './lib.ts';
import { benchCaptions, GENERATE_MODES, type GenerateMode, type GenerateWorkerResult } from './generateShared.ts';

const { values } = parseArgs({ options: { mode: { type: 'string' }, count: { type: 'string' }, format: { type: 'string' }, dir: { type: 'string' } } });
const mode = values.mode as GenerateMode;
const count = Number(values.count ?? 0);
const format = (values.format ?? 'gif') as 'gif' | 'mp4';
const dir = values.dir ?? '';
if (!GENERATE_MODES.includes(mode) || !dir) {
  process.stderr.write('usage: generateWorker.ts --mode setup|pipeline|generate|encode --count N --format gif|mp4 --dir TMP\n');
  process.exit(2);
}
const BATCH = 16;
const ENCODERS = 2;
const model = join(dir, 'model');

await selectBackend('wasm');
registerKernelFixes();
const started = Date.now();
let videos = 0;

if (mode === 'setup') {
  const vocabulary = new Vocabulary().add(benchCaptions(20).flatMap((c) => c.split(' '))).finalize();
  const trainer = new TganTrainer({ model: { ...tganPreset('small', 48), frames: 16, size: 48, channels: 1, seed: 0 }, vocabulary });
  await saveTganBundle(model, trainer, { training: { trainedSteps: 0, note: 'untrained: for speed measurements' } });
} else if (mode === 'pipeline') {
  const captions = join(dir, `captions-${count}.txt`);
  await writeFile(captions, benchCaptions(count).join('\n') + '\n');
  const registry = builtinStages();
  const out = join(dir, `out-${format}-${count}-${Date.now()}`);
  const dag = await loadDag(join(ROOT, 'dags/generate.yaml'), registry, [`model=${model}`, `captions=${captions}`, `out=${out}`, `format=${format}`, 'backend=wasm', `batch=${BATCH}`, `encoders=${ENCODERS}`]);
  const result = await runDag({ dag, registry, runsDir: join(dir, 'runs'), progress: 'none', write: () => undefined, cwd: ROOT });
  if (result.status !== 'succeeded') throw new Error(`generate DAG ${result.status}`);
  videos = (await readFile(join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').length;
} else if (mode === 'generate') {
  const bundle = await TganBundle.load(model);
  const captions = benchCaptions(count);
  for (let start = 0; start < count; start += BATCH) {
    const jobs = captions.slice(start, start + BATCH).map((caption, k) => ({ caption, seed: videoSeed(0, start + k, 0) }));
    videos += generateVideoBatch(bundle, bundle.vocabulary, bundle.info.captionLength, jobs).length;
  }
} else {
  const bundle = await TganBundle.load(model);
  const sixteen = generateVideoBatch(bundle, bundle.vocabulary, bundle.info.captionLength, benchCaptions(16).map((caption, i) => ({ caption, seed: i })));
  const t0 = Date.now();
  const limit = pLimit(ENCODERS);
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      limit(async () => {
        const v = sixteen[i % 16]!;
        const path = join(dir, `enc-${i % 64}.${format}`);
        if (format === 'gif') await writeFileAtomic(path, encodeGif(v.frames, v.shape, { fps: 8, scale: 2 }));
        else await writeMp4(path, v.frames, v.shape, { fps: 8, scale: 2 });
        videos++;
      }),
    ),
  );
  const result: GenerateWorkerResult = { mode, count, format, ms: Date.now() - t0, maxRssKiB: process.resourceUsage().maxRSS, videos };
  console.log(JSON.stringify(result));
  process.exit(0);
}
const result: GenerateWorkerResult = { mode, count, format, ms: Date.now() - started, maxRssKiB: process.resourceUsage().maxRSS, videos };
console.log(JSON.stringify(result));
