import { createHash } from 'node:crypto';
import type { StageSpec } from '../dag/DagSpec.ts';

/** JSON with sorted keys, so equal configs always hash equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/**
 * A stage's fingerprint: its type and type version, its resolved config, a stamp of the files it reads
 * and its upstreams' fingerprints. Equal fingerprints mean equal inputs and equal work, so equal outputs.
 */
export function stageFingerprint(spec: StageSpec, typeVersion: number, upstream: readonly string[], inputStamp = ''): string {
  return createHash('sha256')
    .update(canonicalJson({ uses: spec.uses, version: typeVersion, config: spec.config, upstream, inputs: inputStamp }))
    .digest('hex');
}
