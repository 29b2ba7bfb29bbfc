import { filter, merge, take, type Observable } from 'rxjs';
import type { Edge } from './Edge.ts';

/**
 * The output side of a stage. `emit` waits until every edge leaving the stage has a free credit, then
 * pushes the item into each: with fan-out the slowest consumer sets the pace and no edge ever holds
 * more than its buffer. Edges whose consumer finished early are skipped; when all are, the stage has
 * no reason to go on (`drained$`).
 */
export class Outlet<T> {
  /** Items emitted so far. */
  emitted = 0;
  /** Emits once when every edge leaving the stage has closed; never for a stage with no edges. */
  readonly drained$: Observable<void>;

  constructor(private readonly edges: ReadonlyArray<Edge<T>>) {
    this.drained$ = merge(...edges.map((e) => e.closed$)).pipe(
      filter(() => edges.every((e) => e.closed)),
      take(1),
    );
  }

  async emit(item: T, signal: AbortSignal): Promise<void> {
    await this.reserve(signal);
    this.push(item);
  }

  /** Take a credit on every open edge: room for one item. A source reserves before it makes the item. */
  async reserve(signal: AbortSignal): Promise<void> {
    for (const edge of this.edges) if (!edge.closed) await edge.credits.take(signal);
  }

  /** Give back a reservation that was not used (the source had no more items). */
  unreserve(): void {
    for (const edge of this.edges) edge.credits.give();
  }

  /** Send an item into the room `reserve` made. */
  push(item: T): void {
    this.emitted++;
    for (const edge of this.edges) if (!edge.closed) edge.subject.next(item);
  }

  complete(): void {
    for (const edge of this.edges) edge.subject.complete();
  }
}
