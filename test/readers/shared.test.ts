import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.ts';
import { put } from './helpers.ts';
import { readLines } from '../../datasets/readers/lines.ts';
import type { TextLine } from '../../datasets/readers/lines.ts';
import { readCsvRecords } from '../../datasets/readers/csv.ts';
import type { CsvRecord } from '../../datasets/readers/csv.ts';
import { parseHmsMs } from '../../datasets/readers/time.ts';
import { fileExists, dirExists, requireDir, requireFile } from '../../datasets/readers/fs.ts';
import { DatasetError } from '../../pipeline/errors/DatasetError.ts';

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test('parseHmsMs: hh.mm.ss.mmm to seconds, bad input undefined', () => {
  assert.equal(parseHmsMs('00.00.51.926'), 51.926);
  assert.equal(parseHmsMs('01.02.03.004'), 3723.004);
  assert.equal(parseHmsMs('00.00.00.000'), 0);
  assert.equal(parseHmsMs('00.00.01.9'), 1.9);
  assert.equal(parseHmsMs(' 00.00.54.129 '), 54.129);
  for (const bad of ['', '00.00.51', '00:00:51.926', '00.60.00.000', '00.00.60.000', '00.00.5x.926', '00.00.51.9260', '-1.00.00.000']) {
    assert.equal(parseHmsMs(bad), undefined, bad);
  }
});

test('readLines: numbers, CRLF, BOM, last line without newline, invalid UTF-8 per line', async () => {
  const dir = await tempDir();
  const path = join(dir, 'a.txt');
  await put(path, Buffer.concat([Buffer.from('\ufeffone\r\ntwo\n\n'), Buffer.from([0x61, 0xff, 0xfe, 0x62]), Buffer.from('\nfünf')]));
  const lines: TextLine[] = await all(readLines(path));
  assert.deepEqual(lines, [
    { number: 1, line: 'one' },
    { number: 2, line: 'two' },
    { number: 3, line: '' },
    { number: 4, line: 'a\ufffd\ufffdb', error: 'not valid UTF-8' },
    { number: 5, line: 'fünf' },
  ]);
  await put(join(dir, 'b.txt'), 'x\n');
  assert.deepEqual(await all(readLines(join(dir, 'b.txt'))), [{ number: 1, line: 'x' }]);
  await put(join(dir, 'empty.txt'), '');
  assert.deepEqual(await all(readLines(join(dir, 'empty.txt'))), []);
});

test('readLines: a multi-byte character split across read chunks stays whole', async () => {
  const dir = await tempDir();
  const path = join(dir, 'big.txt');
  const line = 'é'.repeat(40_000); // 80,000 bytes: spans the 64 KiB read chunks, at an odd offset below
  await put(path, `xy\n${line}\n${line}`); // é starts at odd byte offsets, so the 65,536 boundary cuts one
  const lines = await all(readLines(path));
  assert.equal(lines.length, 3);
  assert.ok(lines.every((l) => l.error === undefined));
  assert.equal(lines[2].line, line);
});

test('readLines, requireFile, requireDir: DatasetErrors naming the path', async () => {
  const dir = await tempDir();
  const missing = join(dir, 'nope.txt');
  await assert.rejects(all(readLines(missing)), (e: unknown) => e instanceof DatasetError && e.path === missing && /no such file/.test(e.message));
  await assert.rejects(requireFile(missing), /nope\.txt: no such file/);
  await assert.rejects(requireFile(dir), /not a file/);
  await assert.rejects(requireDir(join(dir, 'sub')), (e: unknown) => e instanceof DatasetError && /sub: no such folder/.test(e.message));
  await put(join(dir, 'f'), 'x');
  await assert.rejects(requireDir(join(dir, 'f')), /not a folder/);
  assert.equal(await fileExists(join(dir, 'f')), true);
  assert.equal(await fileExists(dir), false);
  assert.equal(await dirExists(dir), true);
  assert.equal(await dirExists(join(dir, 'f', 'g')), false);
});

test('readCsvRecords: quoting, multi-line fields, exact start/end lines, bad records kept apart', async () => {
  const dir = await tempDir();
  const path = join(dir, 'c.csv');
  await put(
    path,
    Buffer.concat([
      Buffer.from('\ufeffa,b,c\r\n1,"x, y ""q""",3\r\n\r\n4,5\n6,'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('z,7\n8,"multi\r\n\r\nline",9\r\n"é",1,2\n10,"unterminated,11\n12,13,14\n'),
    ]),
  );
  const records: CsvRecord[] = await all(readCsvRecords(path));
  assert.deepEqual(records, [
    { line: 1, endLine: 1, fields: ['a', 'b', 'c'] },
    { line: 2, endLine: 2, fields: ['1', 'x, y "q"', '3'] },
    { line: 4, endLine: 4, fields: ['4', '5'] },
    { line: 5, endLine: 5, fields: [], error: 'not valid UTF-8' },
    { line: 6, endLine: 8, fields: ['8', 'multi\n\nline', '9'] },
    { line: 9, endLine: 9, fields: ['é', '1', '2'] },
    { line: 10, endLine: 11, fields: [], error: 'quote not closed: the quoted field runs to the end of the file (line 11)' },
  ]);
});
