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

  /** The count that measures this stage's progress: what it emitted, or for sinks what it took in. */
  get done(): number {
    return this.kind === 'sink' ? this.in : this.kind === 'source' ? this.out : this.in;
  }

  get elapsedMs(): number {
    if (this.startedAt === undefined) return 0;
    return (this.finishedAt ?? Date.now()) - this.startedAt;
  }

  /** Items per second since the stage started. */
  get rate(): number {
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
