import type { Edge } from './Edge.ts';

/**
 * The output side of a stage. `emit` waits until every edge leaving the stage has a free credit, then
 * pushes the item into each: with fan-out the slowest consumer sets the pace and no edge ever holds
 * more than its buffer.
 */
export class Outlet<T> {
  /** Items emitted so far. */
  emitted = 0;

  constructor(private readonly edges: ReadonlyArray<Edge<T>>) {}

  async emit(item: T, signal: AbortSignal): Promise<void> {
    await this.reserve(signal);
    this.push(item);
  }

  /** Take a credit on every edge: room for one item. A source reserves before it makes the item. */
  async reserve(signal: AbortSignal): Promise<void> {
    for (const edge of this.edges) await edge.credits.take(signal);
  }

  /** Give back a reservation that was not used (the source had no more items). */
  unreserve(): void {
    for (const edge of this.edges) edge.credits.give();
  }

  /** Send an item into the room `reserve` made. */
  push(item: T): void {
    this.emitted++;
    for (const edge of this.edges) edge.subject.next(item);
  }

  complete(): void {
    for (const edge of this.edges) edge.subject.complete();
  }
}
