import { map, merge, type Observable } from 'rxjs';
import type { Edge } from '../Edge.ts';

export interface Arrival<T> {
  item: T;
  /** The edge it came along: its credit goes back when the stage is done with the item. */
  edge: Edge<T>;
}

/** The input of a stage: the items of all its incoming edges (fan-in), in arrival order. */
export function fromEdges<T>(edges: ReadonlyArray<Edge<T>>): Observable<Arrival<T>> {
  return merge(...edges.map((edge) => edge.subject.pipe(map((item) => ({ item, edge })))));
}
