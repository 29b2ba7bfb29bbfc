import { fileURLToPath } from 'node:url';
import { UsageError } from '../../pipeline/errors/index.ts';
import { BACKEND_CHOICES } from '../../models/backend/backendChoices.ts';
import { writeFileAtomic } from '../../utils/atomicFile.ts';
import { EXIT } from '../exitCodes.ts';
import type { Io } from '../Io.ts';
import { oneOf, parse, positiveInt, truncationFlag } from '../parse.ts';

const DEFAULT_EVALUATOR = fileURLToPath(new URL('../../models/pretrained/digit-evaluator', import.meta.url));
const USAGE = 't2v eval --model DIR [--data DATASET] [--evaluator DIR] [--per-caption N] [--seed S] [--truncation PSI] [--backend auto|tensorflow|wasm|cpu] [--by-caption] [--out FILE.json]';

export async function evalCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { model: { type: 'string' }, data: { type: 'string' }, evaluator: { type: 'string' }, 'per-caption': { type: 'string' }, seed: { type: 'string' }, truncation: { type: 'string' }, backend: { type: 'string' }, 'by-caption': { type: 'boolean' }, out: { type: 'string' } },
    USAGE,
  );
  if (values.help) {
    io.out(`${USAGE}
  Score a trained model on single-digit bouncing MNIST: videos for every seen (train) and unseen (val)
  caption, judged by the digit evaluator (digit identity per frame, motion from the centroid track);
  prints digit, motion and both-right accuracy for seen and unseen captions, and diversity.
  --truncation PSI scores videos drawn from noise times PSI (as t2v generate --truncation).
  --by-caption also prints every caption's scores, worst first, with the digits and motions drawn
  instead (--out FILE.json always holds them, as byCaption).
  A U-Net model (kind unet) continues the first frames of real clips of each caption (seen: train clips,
  unseen: val clips of the dataset it was trained on, or --data); only the predicted frames are scored.`);
    return EXIT.ok;
  }
  if (positionals.length > 0 || values.model === undefined) throw new UsageError(`eval needs --model DIR\nusage: ${USAGE}`);
  const truncation = truncationFlag(values.truncation as string | undefined);
  // TensorFlow.js loads only for this command.
  const { selectBackend } = await import('../../models/backend/selectBackend.ts');
  const { registerKernelFixes } = await import('../../models/kernels/registerKernelFixes.ts');
  const { evaluateModel } = await import('../../models/eval/evaluateModel.ts');
  const { captionBreakdown, describeMistakes } = await import('../../models/eval/captionBreakdown.ts');
  const backend = await selectBackend(oneOf('backend', values.backend as string | undefined, BACKEND_CHOICES) ?? 'auto');
  registerKernelFixes();
  const result = await evaluateModel({
    model: values.model as string,
    evaluator: (values.evaluator as string | undefined) ?? DEFAULT_EVALUATOR,
    data: values.data as string | undefined,
    perCaption: positiveInt('per-caption', values['per-caption'] as string | undefined) ?? 8,
    seed: positiveInt('seed', values.seed as string | undefined) ?? 0,
    ...(truncation !== undefined ? { truncation } : {}),
  });
  const s = result.scores;
  const pct = (v: number) => (Number.isNaN(v) ? '  n/a' : `${(v * 100).toFixed(1).padStart(5)}%`);
  io.out(`model ${values.model} (backend ${backend.name}, ${s.videos} videos, ${result.seconds.toFixed(1)} s${truncation !== undefined && truncation !== 1 ? `, truncation ${truncation}` : ''})`);
  for (const note of result.notes) io.out(note);
  io.out(`           both    digit   motion`);
  io.out(`seen      ${pct(s.seenBoth)}  ${pct(s.seenDigit)}  ${pct(s.seenMotion)}   (${result.seen.length} captions)`);
  io.out(`unseen    ${pct(s.unseenBoth)}  ${pct(s.unseenDigit)}  ${pct(s.unseenMotion)}   (${result.unseen.length} captions)`);
  io.out(`diversity ${s.diversity.toFixed(3)} (mean RMS pixel distance between videos of one caption; ${s.collapsedCaptions} collapsed caption(s))`);
  const byCaption = captionBreakdown(result.report.videos);
  if (values['by-caption'] === true) {
    io.out('');
    io.out(`  both    digit   motion  videos  caption`);
    for (const row of byCaption) {
      const mistakes = describeMistakes(row);
      io.out(`${pct(row.bothAccuracy)}  ${pct(row.digitAccuracy)}  ${pct(row.motionAccuracy)}  ${String(row.videos).padStart(6)}  ${row.unseen === true ? '(unseen) ' : ''}${row.caption}${mistakes !== '' ? `  [${mistakes}]` : ''}`);
    }
  }
  if (values.out !== undefined) {
    await writeFileAtomic(values.out as string, JSON.stringify({ model: values.model, backend: backend.name, ...(truncation !== undefined ? { truncation } : {}), scores: s, seen: result.report.seen, unseen: result.report.unseen, byCaption, ...(result.notes.length > 0 ? { kind: result.kind, notes: result.notes } : {}) }, null, 2) + '\n');
  }
  return EXIT.ok;
}
