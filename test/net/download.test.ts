import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadAll, downloadFile, DownloadError, type DownloadOutcome, type DownloadSpec } from '../../net/download.ts';
import { tempDir } from '../helpers/tmp.ts';
import { startTestServer, type TestServer } from './httpServer.ts';

const BODY = randomBytes(1536 * 1024);
const SHA256 = createHash('sha256').update(BODY).digest('hex');
const MD5 = createHash('md5').update(BODY).digest('hex');
const FAST = { backoffMs: 5, timeoutMs: 5000 };

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

async function spec(name: string, extra: Partial<DownloadSpec> = {}): Promise<DownloadSpec> {
  const dir = await tempDir('t2v-net-');
  return { url: server.url(`/${name}`), path: join(dir, name), size: BODY.length, sha256: SHA256, ...extra };
}

async function assertDownloaded(path: string, body = BODY) {
  assert.ok((await readFile(path)).equals(body), 'final file differs from the served body');
  assert.equal(existsSync(`${path}.part`), false, '.part left behind');
}

test('a connection cut mid-body is resumed with a Range request', async () => {
  server.route('/cut', { body: BODY, cutAfter: 300_000 });
  const s = await spec('cut');
  const progress: number[] = [];
  const result = await downloadFile(s, { ...FAST, onProgress: (p) => progress.push(p.received) });
  assert.deepEqual(result, { path: s.path, bytes: BODY.length, resumed: true, attempts: 2, skipped: false });
  const requests = server.requests('/cut');
  assert.equal(requests.length, 2);
  assert.equal(requests[0].range, undefined);
  // undici may drop bytes it had queued when the socket dies, so the offset is whatever reached the
  // .part: at most what the server sent, and exactly the last progress report of the first attempt.
  const offset = Number(/^bytes=(\d+)-$/.exec(requests[1].range ?? '')?.[1]);
  assert.ok(offset > 0 && offset <= 300_000, `resumed from ${offset}`);
  assert.ok(progress.includes(offset));
  assert.equal(progress.at(-1), BODY.length);
  await assertDownloaded(s.path);
});

test('500 twice, then success (size, sha256 and md5 checked)', async () => {
  server.route('/flaky', { body: BODY, failFirst: { count: 2, status: 500 } });
  const s = await spec('flaky', { md5: MD5 });
  const result = await downloadFile(s, FAST);
  assert.equal(result.attempts, 3);
  assert.equal(result.resumed, false);
  assert.equal(server.requests('/flaky').length, 3);
  await assertDownloaded(s.path);
});

test('404 is not retried and names the URL and status', async () => {
  server.route('/missing', { body: BODY, status: 404 });
  const s = await spec('missing');
  await assert.rejects(downloadFile(s, { ...FAST, retries: 5 }), (error: unknown) => {
    assert.ok(error instanceof DownloadError);
    assert.equal(error.status, 404);
    assert.equal(error.attempt, 1);
    assert.equal(error.url, s.url);
    assert.match(error.message, new RegExp(`${s.url}.*HTTP 404`));
    return true;
  });
  assert.equal(server.requests('/missing').length, 1);
  assert.equal(existsSync(s.path), false);
  assert.equal(existsSync(`${s.path}.part`), false);
});

test('a server that ignores Range and answers 200 restarts the .part from zero', async () => {
  server.route('/norange', { body: BODY, ignoreRange: true });
  const s = await spec('norange');
  await writeFile(`${s.path}.part`, Buffer.alloc(1000, 0xff)); // garbage that must not be kept
  const result = await downloadFile(s, FAST);
  assert.equal(result.resumed, false);
  assert.equal(result.attempts, 1);
  assert.equal(server.requests('/norange')[0].range, 'bytes=1000-');
  await assertDownloaded(s.path);
});

test('a 206 whose Content-Range does not start at the offset is discarded and the download restarts', async () => {
  server.route('/badrange', { body: BODY, wrongRange: true });
  const s = await spec('badrange');
  await writeFile(`${s.path}.part`, BODY.subarray(0, 5000));
  const result = await downloadFile(s, FAST);
  assert.equal(result.attempts, 2);
  assert.deepEqual(server.requests('/badrange').map((r) => r.range), ['bytes=5000-', undefined]);
  await assertDownloaded(s.path);
});

test('416 on a complete .part (size unknown) goes on to verify and rename', async () => {
  server.route('/complete', { body: BODY });
  const s = await spec('complete', { size: undefined });
  await writeFile(`${s.path}.part`, BODY);
  const result = await downloadFile(s, FAST);
  assert.equal(result.resumed, true);
  assert.deepEqual(server.requests('/complete').map((r) => r.range), [`bytes=${BODY.length}-`]);
  await assertDownloaded(s.path);
});

test('a .part of the full known size is verified without a request', async () => {
  server.route('/fullpart', { body: BODY });
  const s = await spec('fullpart');
  await writeFile(`${s.path}.part`, BODY);
  const result = await downloadFile(s, FAST);
  assert.equal(result.attempts, 1);
  assert.equal(result.resumed, true);
  assert.equal(server.requests('/fullpart').length, 0);
  await assertDownloaded(s.path);
});

test('a wrong body fails the sha256 on every attempt: clear error, no final file, no .part', async () => {
  const wrong = Buffer.from(BODY);
  wrong[12345] ^= 0xff;
  server.route('/corrupt', { body: BODY, serve: wrong });
  const s = await spec('corrupt');
  await assert.rejects(downloadFile(s, { ...FAST, retries: 2 }), (error: unknown) => {
    assert.ok(error instanceof DownloadError);
    assert.equal(error.attempt, 3);
    assert.equal(error.status, undefined);
    assert.match(error.message, /gave up after 3 attempts: sha256 mismatch: expected [0-9a-f]{64}, got [0-9a-f]{64}/);
    assert.ok(error.message.includes(s.url));
    return true;
  });
  assert.equal(server.requests('/corrupt').length, 3);
  assert.deepEqual(server.requests('/corrupt').map((r) => r.range), [undefined, undefined, undefined]);
  assert.equal(existsSync(s.path), false);
  assert.equal(existsSync(`${s.path}.part`), false);
});

test('a stalled body hits the idle timeout and is resumed', async () => {
  server.route('/stall', { body: BODY, stallAfter: 200_000 });
  const s = await spec('stall');
  const started = Date.now();
  const result = await downloadFile(s, { backoffMs: 5, timeoutMs: 250 });
  assert.equal(result.attempts, 2);
  assert.equal(result.resumed, true);
  const ranges = server.requests('/stall').map((r) => r.range);
  assert.equal(ranges[0], undefined);
  assert.match(ranges[1] ?? '', /^bytes=[1-9]\d*-$/);
  assert.ok(Date.now() - started < 3000);
  await assertDownloaded(s.path);
});

test('abort stops at once, keeps the .part and a later call resumes it', async () => {
  server.route('/abort', { body: BODY, stallAfter: 400_000 });
  const s = await spec('abort');
  const controller = new AbortController();
  const started = Date.now();
  await assert.rejects(
    downloadFile(s, {
      ...FAST,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.received >= 100_000) controller.abort();
      },
    }),
    (error: unknown) => {
      assert.equal((error as Error).name, 'AbortError');
      return true;
    },
  );
  assert.ok(Date.now() - started < 2000, 'abort should not wait for the idle timeout');
  assert.equal(existsSync(s.path), false);
  const kept = (await stat(`${s.path}.part`)).size;
  assert.ok(kept > 0 && kept < BODY.length, `.part has ${kept} bytes`);

  const progress: number[] = [];
  const result = await downloadFile(s, { ...FAST, onProgress: (p) => progress.push(p.received) });
  assert.equal(result.resumed, true);
  assert.equal(result.attempts, 1);
  assert.equal(server.requests('/abort')[1].range, `bytes=${kept}-`);
  assert.ok(progress[0] > kept && progress.at(-1) === BODY.length);
  await assertDownloaded(s.path);
});

test('an existing complete file is skipped with no request; a wrong one is replaced', async () => {
  server.route('/exists', { body: BODY });
  const s = await spec('exists');
  await writeFile(s.path, BODY);
  const result = await downloadFile(s, FAST);
  assert.deepEqual(result, { path: s.path, bytes: BODY.length, resumed: false, attempts: 0, skipped: true });
  assert.equal(server.requests('/exists').length, 0);

  await writeFile(s.path, Buffer.alloc(BODY.length)); // right size, wrong content
  const again = await downloadFile(s, FAST);
  assert.equal(again.skipped, false);
  assert.equal(server.requests('/exists').length, 1);
  await assertDownloaded(s.path);
});

test('downloadAll with concurrency 2 never has more than 2 requests in flight', async () => {
  const dir = await tempDir('t2v-net-all-');
  const bodies = Array.from({ length: 6 }, () => randomBytes(256 * 1024));
  bodies.forEach((body, i) => server.route(`/many/${i}`, { body, delayMs: 40, ...(i === 3 ? { status: 404 } : {}) }));
  let pulled = 0;
  async function* source(): AsyncGenerator<DownloadSpec> {
    for (let i = 0; i < 6; i++) {
      pulled++;
      yield { url: server.url(`/many/${i}`), path: join(dir, `f${i}.bin`), sha256: createHash('sha256').update(bodies[i]).digest('hex') };
    }
  }
  server.resetCounters();
  const outcomes: DownloadOutcome[] = [];
  for await (const outcome of downloadAll(source(), { ...FAST, concurrency: 2 })) {
    outcomes.push(outcome);
    assert.ok(pulled <= outcomes.length + 2, `pulled ${pulled} specs with ${outcomes.length} done`);
  }
  assert.equal(server.maxInFlight, 2);
  assert.deepEqual(outcomes.map((o) => o.index).sort(), [0, 1, 2, 3, 4, 5]);
  for (const outcome of outcomes) {
    if (outcome.index === 3) {
      assert.equal(outcome.ok, false);
      assert.equal(!outcome.ok && outcome.error instanceof DownloadError && outcome.error.status, 404);
    } else {
      assert.ok(outcome.ok, !outcome.ok ? outcome.error.message : '');
      assert.ok((await readFile(outcome.result.path)).equals(bodies[outcome.index]));
    }
  }
});

test('downloadAll stops on abort and throws an AbortError', async () => {
  const dir = await tempDir('t2v-net-abort-');
  for (let i = 0; i < 4; i++) server.route(`/stuck/${i}`, { body: BODY, stallAfter: 10_000 });
  const controller = new AbortController();
  const specs = Array.from({ length: 4 }, (_, i) => ({ url: server.url(`/stuck/${i}`), path: join(dir, `s${i}`) }));
  const started = new Set<string>();
  const onProgress = ({ url }: { url: string }) => {
    started.add(url);
    if (started.size === 2) controller.abort(); // both slots are receiving (and then stall)
  };
  await assert.rejects(
    async () => {
      for await (const _ of downloadAll(specs, { ...FAST, concurrency: 2, signal: controller.signal, onProgress })) assert.fail('nothing completes');
    },
    { name: 'AbortError' },
  );
  assert.equal(server.requests().filter((r) => r.path.startsWith('/stuck/')).length, 2);
  for (const name of ['s0', 's1']) assert.ok((await stat(join(dir, `${name}.part`))).size > 0, `${name}.part kept`);
  for (const name of ['s0', 's1', 's2', 's3']) assert.equal(existsSync(join(dir, name)), false);
});
