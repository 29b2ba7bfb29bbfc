import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../../utils/atomicFile.ts';

interface OutputStamp {
  path: string;
  mtimeMs: number;
  size: number;
}

interface LockEntry {
  fingerprint: string;
  outputs: OutputStamp[];
  at: string;
}

/** Results remembered per stage: enough to switch between a few configs (say two `out` folders) and back. */
const ENTRIES_PER_STAGE = 16;

/**
 * `dag.lock.json`: for each stage that writes outputs, the fingerprints it ran with and a stamp of
 * each output then. A stage whose fingerprint has an entry whose outputs still carry the same stamps
 * is up to date (the idea of `dvc repro`, with stamps instead of content hashes to keep checks instant).
 */
export class DagLock {
  private constructor(
    readonly path: string,
    private readonly stages: Record<string, LockEntry[]>,
  ) {}

  static async load(path: string): Promise<DagLock> {
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as { version?: number; stages?: Record<string, LockEntry[]> };
      return new DagLock(path, parsed.version === 2 ? (parsed.stages ?? {}) : {});
    } catch {
      // No lock, or an unreadable one: everything is out of date, which is always safe.
      return new DagLock(path, {});
    }
  }

  async isUpToDate(stage: string, fingerprint: string, outputs: readonly string[], cwd: string): Promise<boolean> {
    const entry = this.stages[stage]?.find((e) => e.fingerprint === fingerprint);
    if (!entry || outputs.length === 0) return false;
    const stamps = await stampAll(outputs, cwd);
    if (!stamps) return false;
    return canonical(stamps) === canonical(entry.outputs);
  }

  async record(stage: string, fingerprint: string, outputs: readonly string[], cwd: string): Promise<void> {
    const others = (this.stages[stage] ?? []).filter((e) => e.fingerprint !== fingerprint);
    const stamps = await stampAll(outputs, cwd);
    this.stages[stage] = stamps ? [{ fingerprint, outputs: stamps, at: new Date().toISOString() }, ...others].slice(0, ENTRIES_PER_STAGE) : others;
  }

  /** A failed run may have replaced outputs: its fingerprint's entry no longer describes them. */
  forget(stage: string, fingerprint: string): void {
    if (this.stages[stage]) this.stages[stage] = this.stages[stage].filter((e) => e.fingerprint !== fingerprint);
  }

  save(): Promise<void> {
    return writeFileAtomic(this.path, JSON.stringify({ version: 2, stages: this.stages }, null, 2) + '\n');
  }
}

async function stampAll(outputs: readonly string[], cwd: string): Promise<OutputStamp[] | undefined> {
  const stamps: OutputStamp[] = [];
  for (const output of outputs) {
    const path = resolve(cwd, output);
    try {
      const info = await stat(path);
      stamps.push({ path, mtimeMs: info.mtimeMs, size: info.size });
    } catch {
      return undefined;
    }
  }
  return stamps;
}

function canonical(stamps: OutputStamp[]): string {
  return JSON.stringify([...stamps].sort((a, b) => a.path.localeCompare(b.path)));
}
