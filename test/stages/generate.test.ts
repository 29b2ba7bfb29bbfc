/**
 * `t2v generate` (dags/generate.yaml: read-captions -> generate-videos -> write-videos) with a tiny
 * untrained model on the cpu backend: files and manifest lines, caption file formats and bad lines,
 * unknown words per --on-unknown, and a killed run resumed without duplicates.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { selectBackend } from '../../models/backend/selectBackend.ts';
import { tganPreset } from '../../models/tganc/tganPresets.ts';
import { TganTrainer } from '../../models/tganc/TganTrainer.ts';
import { saveTganBundle } from '../../models/tganc/TganBundle.ts';
import { Vocabulary } from '../../text/Vocabulary.ts';
import { messages, show, startT2v, t2v } from '../helpers/cli.ts';
import { tempDir } from '../helpers/tmp.ts';

const dir = await tempDir('t2v-generate-');

before(async () => {
  await selectBackend('cpu');
  const vocabulary = new Vocabulary().add('digit 0 1 2 3 is moving left and right up down'.split(' ')).finalize();
  const trainer = new TganTrainer({ model: { ...tganPreset('tiny', 16), frames: 4, size: 16, channels: 1, seed: 1 }, vocabulary, captionLength: 8 });
  await saveTganBundle(join(dir, 'model'), trainer, { training: { trainedSteps: 0 } });
  trainer.model.dispose();
  const other = new TganTrainer({ model: { ...tganPreset('tiny', 16), frames: 4, size: 16, channels: 1, seed: 2 }, vocabulary, captionLength: 8 });
  await saveTganBundle(join(dir, 'other-model'), other, { training: { trainedSteps: 0 } });
  other.model.dispose();
});

const generate = (captions: string, out: string, extra: string[] = []) =>
  t2v(['generate', '--model', 'model', '--captions', captions, '--out', out, '--backend', 'cpu', '--progress', 'none', ...extra], dir);

async function manifest(out: string): Promise<{ video: string; caption: string; seed: number; id: string; line: number }[]> {
  return (await readFile(join(dir, out, 'manifest.jsonl'), 'utf8')).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

test('a .txt caption file: one file per video and per caption copy, manifest lines with caption and seed', async () => {
  await writeFile(join(dir, 'a.txt'), 'digit 1 is moving up and down\n\n   \ndigit 2 is moving left and right\ndigit 3 is moving up and down\n');
  const result = await generate('a.txt', 'A', ['--per-caption', '2', '--format', 'png']);
  assert.equal(result.code, 0, show(result));
  const lines = await manifest('A');
  assert.equal(lines.length, 6);
  assert.deepEqual(lines.map((l) => l.line).sort(), [1, 1, 4, 4, 5, 5]);
  for (const l of lines) {
    assert.ok(existsSync(join(dir, 'A', l.video)), l.video);
    assert.ok(Number.isInteger(l.seed));
  }
  assert.equal((await readdir(join(dir, 'A'))).filter((f) => f.endsWith('.png')).length, 6);
  assert.equal(new Set(lines.map((l) => l.seed)).size, 6, 'every video has its own noise seed');
});

test('.csv with --column and .jsonl with --field; unreadable lines are recorded with their line numbers', async () => {
  await writeFile(join(dir, 'b.csv'), 'id,text\n1,"digit 0 is moving left and right"\n2\n3,digit 1 is moving up and down\n');
  const csv = await generate('b.csv', 'B', ['--column', 'text', '--format', 'mp4']);
  assert.equal(csv.code, 0, show(csv));
  assert.deepEqual((await manifest('B')).map((l) => [l.line, l.caption]).sort(), [[2, 'digit 0 is moving left and right'], [4, 'digit 1 is moving up and down']]);
  const rejects = await readFile(join(dir, 'outputs/generate', (await readdir(join(dir, 'outputs/generate'))).filter((d) => /^\d/.test(d)).sort().at(-1)!, 'rejects.jsonl'), 'utf8');
  assert.match(rejects, /line 3/);

  await writeFile(join(dir, 'c.jsonl'), '{"prompt": "digit 2 is moving up and down"}\n{not json\n{"prompt": 5}\n');
  const jsonl = await generate('c.jsonl', 'C', ['--field', 'prompt']);
  assert.equal(jsonl.code, 0, show(jsonl));
  assert.equal((await manifest('C')).length, 1);
  const missing = await generate('b.csv', 'D', ['--column', 'caption']);
  assert.notEqual(missing.code, 0);
  assert.match(messages(missing).join('\n'), /no column "caption" in the CSV header \(columns: id, text\)/);
});

test('unknown words: a warning naming them, then unk generates, skip leaves the caption out, fail stops', async () => {
  await writeFile(join(dir, 'u.txt'), 'digit 1 is moving up and down\ndigit 7 is spinning\n');
  const unk = await generate('u.txt', 'U1');
  assert.equal(unk.code, 0, show(unk));
  assert.match(unk.stderr, /warning: line 2: unknown word\(s\) "7", "spinning"/);
  assert.equal((await manifest('U1')).length, 2);
  const skip = await generate('u.txt', 'U2', ['--on-unknown', 'skip']);
  assert.equal(skip.code, 0, show(skip));
  assert.deepEqual((await manifest('U2')).map((l) => l.line), [1]);
  const fail = await generate('u.txt', 'U3', ['--on-unknown', 'fail']);
  assert.notEqual(fail.code, 0);
  assert.match(messages(fail).join('\n'), /line 2 has words the model does not know: "7", "spinning"/);
});

test('a killed run resumes: no duplicates, every video once, a torn manifest line made again', async () => {
  const captions = Array.from({ length: 300 }, (_, i) => `digit ${i % 4} is moving ${i % 2 ? 'up and down' : 'left and right'}`);
  await writeFile(join(dir, 'many.txt'), captions.join('\n') + '\n');
  const { child, done } = startT2v(['generate', '--model', 'model', '--captions', 'many.txt', '--out', 'M', '--backend', 'cpu', '--progress', 'none', '--batch', '4'], dir);
  const path = join(dir, 'M', 'manifest.jsonl');
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !((await readFile(path, 'utf8').catch(() => '')).split('\n').length > 20)) await sleep(5);
  child.kill('SIGKILL');
  const killed = await done;
  assert.equal(killed.signal, 'SIGKILL', `ended before it was killed: ${show(killed)}`);
  const before = (await manifest('M')).length;
  assert.ok(before > 0 && before < 300, `${before} made before the kill`);
  await appendFile(path, '{"video":"000299-0.gif","capt'); // a line torn mid-write
  const resumed = await generate('many.txt', 'M', ['--batch', '4']);
  assert.equal(resumed.code, 0, show(resumed));
  const lines = await manifest('M');
  assert.equal(lines.length, 300);
  assert.equal(new Set(lines.map((l) => l.id)).size, 300, 'no duplicates');
  assert.equal((await readdir(join(dir, 'M'))).filter((f) => f.endsWith('.gif')).length, 300);
  assert.match(resumed.stderr, new RegExp(`${before} video\\(s\\) already made`));
});

test('a folder made by one model, seed or caption file is not taken over by another: a clear error, nothing changed', async () => {
  await writeFile(join(dir, 'two.txt'), 'digit 1 is moving left and right\ndigit 2 is moving up and down\n');
  const first = await generate('two.txt', 'O');
  assert.equal(first.code, 0, show(first));
  const origin = JSON.parse(await readFile(join(dir, 'O', 'generation.json'), 'utf8'));
  assert.equal(origin.model, 'model');
  assert.match(origin.fingerprint, /^[0-9a-f]{16}$/);
  const manifestBefore = await readFile(join(dir, 'O', 'manifest.jsonl'), 'utf8');

  // The same model copied elsewhere is the same model: its videos count as made.
  await cp(join(dir, 'model'), join(dir, 'model-copy'), { recursive: true });
  const copied = await t2v(['generate', '--model', 'model-copy', '--captions', 'two.txt', '--out', 'O', '--backend', 'cpu', '--progress', 'none'], dir);
  assert.equal(copied.code, 0, show(copied));
  assert.match(copied.stderr, /2 video\(s\) already made/);

  const otherModel = await t2v(['generate', '--model', 'other-model', '--captions', 'two.txt', '--out', 'O', '--backend', 'cpu', '--progress', 'none'], dir);
  assert.notEqual(otherModel.code, 0, show(otherModel));
  assert.match(messages(otherModel).join("\n"), /O holds 2 video\(s\) made with another model \(model, fingerprint [0-9a-f]+; this run: other-model/);

  const otherSeed = await generate('two.txt', 'O', ['--seed', '5']);
  assert.notEqual(otherSeed.code, 0, show(otherSeed));
  assert.match(messages(otherSeed).join("\n"), /another seed/);

  const otherTruncation = await generate('two.txt', 'O', ['--truncation', '0.5']);
  assert.notEqual(otherTruncation.code, 0, show(otherTruncation));
  assert.match(messages(otherTruncation).join("\n"), /another truncation \(1; this run: 0\.5\)/);

  await writeFile(join(dir, 'edited.txt'), 'digit 1 is moving left and right\ndigit 3 is moving up and down\n');
  const edited = await generate('edited.txt', 'O');
  assert.notEqual(edited.code, 0, show(edited));
  assert.match(messages(edited).join("\n"), /already holds video 000001-0 for "digit 2 is moving up and down", but caption 2 \(line 2\) is now "digit 3 is moving up and down"/);
  assert.equal(await readFile(join(dir, 'O', 'manifest.jsonl'), 'utf8'), manifestBefore, 'the folder is as the first run left it');

  // --replace: the other model's videos replace the folder's, and the folder says so.
  const gifBefore = await readFile(join(dir, 'O', '000000-0.gif'));
  await writeFile(join(dir, 'O', 'notes.txt'), 'mine');
  const replaced = await t2v(['generate', '--model', 'other-model', '--captions', 'two.txt', '--out', 'O', '--backend', 'cpu', '--progress', 'none', '--replace'], dir);
  assert.equal(replaced.code, 0, show(replaced));
  assert.match(replaced.stderr, /replacing 2 video\(s\) in O made with another model/);
  assert.equal((await manifest('O')).length, 2);
  assert.equal(JSON.parse(await readFile(join(dir, 'O', 'generation.json'), 'utf8')).model, 'other-model');
  assert.ok(!(await readFile(join(dir, 'O', '000000-0.gif'))).equals(gifBefore), 'the video was made again by the other model');
  assert.equal(await readFile(join(dir, 'O', 'notes.txt'), 'utf8'), 'mine', 'files the manifest does not list are left alone');
  // Replacing with the folder's own model changes nothing: its videos count as made.
  const same = await t2v(['generate', '--model', 'other-model', '--captions', 'two.txt', '--out', 'O', '--backend', 'cpu', '--progress', 'none', '--replace'], dir);
  assert.equal(same.code, 0, show(same));
  assert.match(same.stderr, /2 video\(s\) already made|up to date/);
  assert.equal((await manifest('O')).length, 2);
});

test('--truncation draws the noise nearer 0: other videos from the same seeds, the same again; bad values refused', async () => {
  await writeFile(join(dir, 't.txt'), 'digit 1 is moving up and down\ndigit 2 is moving left and right\n');
  const plain = await generate('t.txt', 'T1', ['--format', 'png']);
  const half = await generate('t.txt', 'T5', ['--format', 'png', '--truncation', '0.5']);
  const again = await generate('t.txt', 'T5b', ['--format', 'png', '--truncation', '0.5']);
  for (const r of [plain, half, again]) assert.equal(r.code, 0, show(r));
  const pngs = async (out: string) => Promise.all((await manifest(out)).sort((a, b) => a.id.localeCompare(b.id)).map((l) => readFile(join(dir, out, l.video))));
  const [p1, p5, p5b] = [await pngs('T1'), await pngs('T5'), await pngs('T5b')];
  assert.deepEqual((await manifest('T5')).map((l) => l.seed).sort(), (await manifest('T1')).map((l) => l.seed).sort(), 'the same seeds');
  assert.notDeepEqual(p5, p1, 'truncated noise makes other videos');
  assert.deepEqual(p5b, p5, 'and the same ones again');
  assert.equal(JSON.parse(await readFile(join(dir, 'T5', 'generation.json'), 'utf8')).truncation, 0.5);
  for (const bad of ['0', '1.5', 'x']) {
    const refused = await generate('t.txt', 'TX', ['--truncation', bad]);
    assert.notEqual(refused.code, 0);
    assert.match(messages(refused).join('\n'), new RegExp(`--truncation takes a number in \\(0, 1\\] \\(1: none\\), got "${bad}"`));
  }
  assert.ok(!existsSync(join(dir, 'TX')));
});
