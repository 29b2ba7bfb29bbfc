import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { makeDirectory } from './atomicFile.ts';

/**
 * A folder that is built under a hidden name beside its final place and renamed into place when
 * complete, so readers never see it half-written. One left behind by an interrupted run is stale and
 * is cleared when the next run starts.
 */
export class StagingDirectory {
  readonly path: string;

  private constructor(readonly out: string) {
    this.path = join(dirname(out), `.${basename(out)}.partial`);
  }

  static async create(out: string): Promise<StagingDirectory> {
    const staging = new StagingDirectory(out);
    await rm(staging.path, { recursive: true, force: true });
    await makeDirectory(staging.path);
    return staging;
  }

  /** Swap into place: the previous folder at `out` (if any) is moved aside, then removed. */
  async publish(): Promise<void> {
    const old = join(dirname(this.out), `.${basename(this.out)}.old-${process.pid}`);
    const exists = await stat(this.out).then(() => true, () => false);
    if (exists) await rename(this.out, old);
    try {
      await rename(this.path, this.out);
    } catch (error) {
      if (exists) await rename(old, this.out).catch(() => undefined);
      throw error;
    }
    if (exists) await rm(old, { recursive: true, force: true });
  }

  discard(): Promise<void> {
    return rm(this.path, { recursive: true, force: true });
  }
}
