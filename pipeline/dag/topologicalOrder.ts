export interface GraphNode {
  id: string;
  from: readonly string[];
}

/**
 * Kahn's algorithm, stable in declaration order. Returns every node after its upstreams, or a cycle
 * (as a path of ids) when there is one.
 */
export function topologicalOrder(nodes: readonly GraphNode[]): { order: string[]; cycle?: string[] } {
  const pending = new Map(nodes.map((n) => [n.id, new Set(n.from)]));
  const order: string[] = [];
  let progressed = true;
  while (pending.size && progressed) {
    progressed = false;
    for (const node of nodes) {
      const waits = pending.get(node.id);
      if (!waits || [...waits].some((id) => pending.has(id))) continue;
      pending.delete(node.id);
      order.push(node.id);
      progressed = true;
    }
  }
  if (!pending.size) return { order };
  return { order, cycle: findCycle(nodes, new Set(pending.keys())) };
}

function findCycle(nodes: readonly GraphNode[], stuck: Set<string>): string[] {
  const from = new Map(nodes.map((n) => [n.id, n.from.filter((id) => stuck.has(id))]));
  // Walk upstream from any stuck node; the walk must revisit a node, and the loop from there is a cycle.
  const path: string[] = [];
  let id = [...stuck][0];
  while (!path.includes(id)) {
    path.push(id);
    id = from.get(id)![0];
  }
  // As data flows (each id feeds the next), starting from the cycle's first stage in declaration order.
  const cycle = path.slice(path.indexOf(id)).reverse();
  const start = cycle.indexOf(nodes.find((n) => cycle.includes(n.id))!.id);
  return [...cycle.slice(start), ...cycle.slice(0, start)];
}
