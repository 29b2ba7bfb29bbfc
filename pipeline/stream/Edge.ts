import { ReplaySubject, Subject } from 'rxjs';
import { Credits } from './Credits.ts';

/** One DAG edge at run time: a Subject the upstream pushes into, bounded by credits. */
export class Edge<T> {
  readonly subject = new Subject<T>();
  readonly credits: Credits;
  /** Emits once when the downstream stage stops reading (it finished early). */
  readonly closed$ = new ReplaySubject<void>(1);

  constructor(
    readonly from: string,
    readonly to: string,
    buffer: number,
  ) {
    this.credits = new Credits(buffer);
  }

  get closed(): boolean {
    return this.credits.closed;
  }

  /** The downstream stage needs no more items: the upstream stops waiting for it and sending to it. */
  close(): void {
    if (this.closed) return;
    this.credits.close();
    this.closed$.next();
    this.closed$.complete();
  }
}
