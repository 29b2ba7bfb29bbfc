import type { DagSpec } from './DagSpec.ts';

/** The DAG as a Mermaid flowchart: one box per stage with its type, one arrow per edge. */
export function toMermaid(dag: DagSpec): string {
  const lines = ['flowchart LR'];
  for (const stage of dag.stages) lines.push(`  ${stage.id}["${stage.id}<br/><small>${stage.uses}</small>"]`);
  for (const stage of dag.stages) for (const upstream of stage.from) lines.push(`  ${upstream} --> ${stage.id}`);
  return lines.join('\n') + '\n';
}
