/**
 * `metrics.csv` of a training run: one row per step, `step` first, then the losses. Only values that
 * depend on the data and the seed go in (no wall-clock time), so a resumed run ends with the same file
 * as an uninterrupted one: opening it for a resume drops the rows after the checkpoint's step.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../utils/atomicFile.ts';

export type MetricsRow = Record<string, number>;

export class MetricsLog {
  private columns: string[] | undefined;
  private pending: string[] = [];

  private constructor(
    readonly path: string,
    /** Rows already in the file (kept for plots). */
    readonly rows: MetricsRow[],
  ) {
    if (rows.length > 0) this.columns = Object.keys(rows[0]!);
  }

  /** Opens (or starts) the log; rows with step > `keepThrough` are dropped (undefined: start afresh). */
  static async open(path: string, keepThrough: number | undefined): Promise<MetricsLog> {
    if (keepThrough === undefined) {
      await writeFileAtomic(path, '');
      return new MetricsLog(path, []);
    }
    const text = await readFile(path, 'utf8').catch(() => '');
    const [header, ...lines] = text.split('\n').filter((l) => l.length > 0);
    const columns = header?.split(',') ?? [];
    const rows = lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i]!, Number(v)])) as MetricsRow).filter((r) => r['step']! <= keepThrough);
    const log = new MetricsLog(path, rows);
    await writeFileAtomic(path, rows.length ? [columns.join(','), ...rows.map((r) => columns.map((c) => format(r[c]!)).join(','))].join('\n') + '\n' : '');
    return log;
  }

  /** Queues a row (written by `flush`); the first row fixes the columns, later rows must have them. */
  add(row: MetricsRow): void {
    if (this.columns === undefined) {
      this.columns = ['step', ...Object.keys(row).filter((k) => k !== 'step').sort()];
      this.pending.push(this.columns.join(','));
    }
    this.pending.push(this.columns.map((c) => format(row[c] ?? NaN)).join(','));
    this.rows.push(row);
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    await appendFile(this.path, text);
  }
}

/** 7 significant digits (float32 precision); formatting a value read back gives the same text. */
function format(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(7))) : 'NaN';
}
