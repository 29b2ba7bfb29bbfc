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

/**
 * `dag.lock.json`: for each stage that writes outputs, the fingerprint it ran with and a stamp of each
 * output. A stage whose fingerprint matches and whose outputs still carry the same stamps is up to date
 * (the idea of `dvc repro`, with stamps instead of content hashes to keep checks instant).
 */
export class DagLock {
  private constructor(
    readonly path: string,
    private readonly stages: Record<string, LockEntry>,
  ) {}

  static async load(path: string): Promise<DagLock> {
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as { stages?: Record<string, LockEntry> };
      return new DagLock(path, parsed.stages ?? {});
    } catch {
      // No lock, or an unreadable one: everything is out of date, which is always safe.
      return new DagLock(path, {});
    }
  }

  async isUpToDate(stage: string, fingerprint: string, outputs: readonly string[], cwd: string): Promise<boolean> {
    const entry = this.stages[stage];
    if (!entry || entry.fingerprint !== fingerprint || outputs.length === 0) return false;
    const stamps = await stampAll(outputs, cwd);
    if (!stamps) return false;
    return canonical(stamps) === canonical(entry.outputs);
  }

  async record(stage: string, fingerprint: string, outputs: readonly string[], cwd: string): Promise<void> {
    const stamps = await stampAll(outputs, cwd);
    if (stamps) this.stages[stage] = { fingerprint, outputs: stamps, at: new Date().toISOString() };
    else delete this.stages[stage];
  }

  forget(stage: string): void {
    delete this.stages[stage];
  }

  save(): Promise<void> {
    return writeFileAtomic(this.path, JSON.stringify({ version: 1, stages: this.stages }, null, 2) + '\n');
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
