export type StageStatus = 'pending' | 'running' | 'done' | 'skipped' | 'failed' | 'aborted';

/** Live counters of one stage, read by progress reporting and written to the manifest. */
export class StageStats {
  status: StageStatus = 'pending';
  /** Items received (transforms and sinks). */
  in = 0;
  /** Items emitted (sources and transforms). */
  out = 0;
  rejected = 0;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  /** Expected item count, when a source knows it. */
  total: number | undefined;

  constructor(
    readonly id: string,
    readonly type: string,
    readonly kind: 'source' | 'transform' | 'sink',
  ) {}

  /** What the stage reported itself (StageContext.progress), with when and where reports started. */
  private reported: { done: number; note: string | undefined; since: number; startDone: number } | undefined;

  report(progress: { done: number; total?: number; note?: string }): void {
    this.reported = { since: this.reported?.since ?? Date.now(), startDone: this.reported?.startDone ?? progress.done, done: progress.done, note: progress.note };
    if (progress.total !== undefined) this.total = progress.total;
  }

  /** The stage's own note (e.g. its losses), if it reports one. */
  get note(): string | undefined {
    return this.reported?.note;
  }

  /**
   * The count that measures this stage's progress: what it reported itself, else what it emitted, or for
   * sinks what it took in.
   */
  get done(): number {
    if (this.reported) return this.reported.done;
    return this.kind === 'sink' ? this.in : this.kind === 'source' ? this.out : this.in;
  }

  get elapsedMs(): number {
    if (this.startedAt === undefined) return 0;
    return (this.finishedAt ?? Date.now()) - this.startedAt;
  }

  /** Items (or reported units) per second since the stage started (or first reported). */
  get rate(): number {
    if (this.reported) {
      const seconds = ((this.finishedAt ?? Date.now()) - this.reported.since) / 1000;
      return seconds > 0 ? (this.reported.done - this.reported.startDone) / seconds : 0;
    }
    const seconds = this.elapsedMs / 1000;
    return seconds > 0 ? this.done / seconds : 0;
  }

  toJSON() {
    return {
      type: this.type,
      status: this.status,
      in: this.in,
      out: this.out,
      rejected: this.rejected,
      ms: Math.round(this.elapsedMs),
    };
  }
}
