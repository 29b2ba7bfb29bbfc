/**
 * The bound of one DAG edge: how many items may be between the upstream stage emitting them and the
 * downstream stage finishing with them. The upstream takes a credit before it emits, the downstream
 * gives it back when done; with none left the upstream waits. This is what turns RxJS's push into
 * pull-with-a-window (credit-based flow control).
 */
export class Credits {
  private available: number;
  private readonly waiting: Array<() => void> = [];
  /** The most credits ever taken at once: tests assert it never exceeds the capacity. */
  peakInUse = 0;
  /** A closed edge has no consumer any more: takes succeed at once, gives are ignored. */
  closed = false;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`edge capacity must be a whole number ≥ 1, got ${capacity}`);
    this.available = capacity;
  }

  get inUse(): number {
    return this.capacity - this.available;
  }

  /** Resolves once a credit is taken; rejects if `signal` aborts first. */
  take(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.closed) return Promise.resolve();
    if (this.available > 0) {
      this.available--;
      this.peakInUse = Math.max(this.peakInUse, this.inUse);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        if (this.closed) return resolve();
        this.available--;
        this.peakInUse = Math.max(this.peakInUse, this.inUse);
        resolve();
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  give(): void {
    if (this.closed) return;
    if (this.available >= this.capacity) throw new Error('a credit was given back twice');
    this.available++;
    this.waiting.shift()?.();
  }

  /** The consumer has gone: release every waiting producer, and never make one wait again. */
  close(): void {
    this.closed = true;
    for (const grant of this.waiting.splice(0)) grant();
  }
}
