/** The body of the generate-videos stage (stages/generate-videos.ts describes it). */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Transformer } from '../../pipeline/core/StageType.ts';
import type { StageContext } from '../../pipeline/core/StageContext.ts';
import { UsageError } from '../../pipeline/errors/index.ts';
import { tokenize, type Clip } from '../../datasets/clip.ts';
import { selectBackend } from '../../models/backend/selectBackend.ts';
import { registerKernelFixes } from '../../models/kernels/registerKernelFixes.ts';
import { loadVideoModel } from '../../models/generation/videoModel.ts';
import { videoSeed } from '../../models/tganc/TganTrainer.ts';
import type { CaptionItem } from '../../text/captionItem.ts';
import type { GenerateVideosConfig } from '../generate-videos.ts';
import { readVideoManifest, VIDEO_MANIFEST, videoId, type VideoManifestLine } from './videoManifest.ts';
import { modelFingerprint } from '../../models/io/modelFingerprint.ts';
import { GENERATION_ORIGIN, originMismatch, readGenerationOrigin, writeGenerationOrigin, type GenerationOrigin } from './generationOrigin.ts';

export async function openVideoGenerator(c: GenerateVideosConfig, context: StageContext): Promise<Transformer<CaptionItem, Clip>> {
  const backend = await selectBackend(c.backend, { log: (line) => context.log(line) });
  registerKernelFixes();
  // t2v-model.json's kind picks the bundle: tganc (noise and caption) or unet (first frames and caption).
  const model = await loadVideoModel(resolve(context.cwd, c.model), { cwd: context.cwd, firstFrame: c.firstFrame, data: c.data, name: c.model, truncation: c.truncation });
  context.onAbort(() => model.dispose());
  context.log(`model ${c.model}: ${model.summary}; backend ${backend.name}${c.truncation !== 1 ? `; truncation ${c.truncation}` : ''}`);
  for (const note of model.notes) context.log(note);
  const scores = model.info.scores as { seenBoth?: number; unseenBoth?: number } | undefined;
  if (typeof scores?.seenBoth === 'number' && typeof scores.unseenBoth === 'number') {
    // What to expect of it: the evaluation it was saved with (digit and motion both right).
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    context.log(`model scores: digit and motion right in ${pct(scores.seenBoth)} of videos for seen captions, ${pct(scores.unseenBoth)} for unseen ones`);
  }
  let made = c.done === undefined ? [] : await readVideoManifest(resolve(context.cwd, c.done));
  if (c.done !== undefined && (await checkOrigin(c, context, made))) made = [];
  for (const line of made) {
    const [index, copy] = line.id.split('-').map(Number);
    if (line.seed !== videoSeed(c.seed, index!, copy!)) {
      throw new UsageError(`${c.done} holds videos made with another seed (${line.video}): choose another output folder, or the seed it was made with`);
    }
  }
  // id -> caption of the videos already made: a caption file edited since must not reuse them.
  const done = new Map(made.map((l) => [l.id, l.caption]));
  if (done.size > 0) context.log(`${done.size} video(s) already made in ${c.done}: skipped`);

  let pending: { caption: CaptionItem; copy: number; id: string; seed: number }[] = [];

  async function* run(): AsyncGenerator<Clip> {
    const jobs = pending;
    pending = [];
    if (jobs.length === 0) return;
    const videos = await model.generate(jobs.map((j) => ({ caption: j.caption.text, seed: j.seed })));
    for (let k = 0; k < jobs.length; k++) {
      const { caption, copy, id, seed } = jobs[k]!;
      const { frames, shape, firstFrame } = videos[k]!;
      yield {
        id,
        frames,
        shape,
        caption: caption.text,
        tokens: tokenize(caption.text),
        split: 'test',
        source: 'generated',
        attributes: { seed, index: caption.index, copy, line: caption.line, ...(firstFrame !== undefined ? { firstFrame } : {}) },
      };
    }
  }

  return {
    process(caption: CaptionItem) {
      const unknown = model.vocabulary.unknownWords(tokenize(caption.text));
      if (unknown.length > 0) {
        const words = unknown.map((w) => `"${w}"`).join(', ');
        if (c.onUnknown === 'fail') throw new UsageError(`caption on line ${caption.line} has words the model does not know: ${words} ("${caption.text}"); use --on-unknown unk or skip`);
        context.log(`warning: line ${caption.line}: unknown word(s) ${words} in "${caption.text}"${c.onUnknown === 'skip' ? ': skipped' : ': generated with <unk>'}`);
        if (c.onUnknown === 'skip') return [];
      }
      for (let copy = 0; copy < c.perCaption; copy++) {
        const id = videoId(caption.index, copy);
        const madeFor = done.get(id);
        if (madeFor === undefined) pending.push({ caption, copy, id, seed: videoSeed(c.seed, caption.index, copy) });
        else if (madeFor !== caption.text) {
          throw new UsageError(`${c.done} already holds video ${id} for "${madeFor}", but caption ${caption.index + 1} (line ${caption.line}) is now "${caption.text}": the caption file changed since; choose another output folder`);
        }
      }
      return pending.length >= c.batch ? run() : [];
    },
    flush: () => run(),
  };
}

/**
 * The output folder's generation.json must describe this run (same model content, seed and first
 * frames) before its manifest's videos count as made; a new folder gets one. With `replace`, a folder of
 * another generation is emptied of its videos and manifest first. Returns true when it was.
 */
async function checkOrigin(c: GenerateVideosConfig, context: StageContext, made: readonly VideoManifestLine[]): Promise<boolean> {
  const dir = resolve(context.cwd, c.done!);
  const now: GenerationOrigin = { model: c.model, fingerprint: await modelFingerprint(resolve(context.cwd, c.model)), seed: c.seed, truncation: c.truncation, firstFrame: c.firstFrame, data: c.data };
  const before = await readGenerationOrigin(dir);
  const why = before === undefined ? undefined : originMismatch(before, now);
  if (before !== undefined && why === undefined) return false;
  if (why !== undefined && !c.replace) {
    throw new UsageError(`${c.done} holds ${made.length} video(s) made with ${why}: choose another output folder, or replace them (--replace)`);
  }
  let cleared = false;
  if (why !== undefined) {
    context.log(`replacing ${made.length} video(s) in ${c.done} made with ${why}`);
    // Only what the manifest lists (and the manifest): other files in the folder are not ours to remove.
    await Promise.all(made.map((line) => rm(join(dir, line.video), { force: true })));
    await rm(join(dir, VIDEO_MANIFEST), { force: true });
    cleared = true;
  } else if (made.length > 0) {
    context.log(`warning: ${c.done} has no ${GENERATION_ORIGIN} (made by an older t2v): its ${made.length} video(s) are taken as made by this model`);
  }
  await writeGenerationOrigin(dir, now);
  return cleared;
}
