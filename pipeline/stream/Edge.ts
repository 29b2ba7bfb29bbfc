import { Subject } from 'rxjs';
import { Credits } from './Credits.ts';

/** One DAG edge at run time: a Subject the upstream pushes into, bounded by credits. */
export class Edge<T> {
  readonly subject = new Subject<T>();
  readonly credits: Credits;

  constructor(
    readonly from: string,
    readonly to: string,
    buffer: number,
  ) {
    this.credits = new Credits(buffer);
  }
}
