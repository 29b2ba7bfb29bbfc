import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { DagError, DagValidationError } from '../errors/index.ts';
import type { StageRegistry } from '../core/StageRegistry.ts';
import { inputTypeOf, outputTypeOf } from '../core/StageType.ts';
import { DEFAULT_BUFFER, DEFAULT_CONCURRENCY, type DagSpec, type OnError, type StageSpec } from './DagSpec.ts';
import { applyOverrides, referencedParams, substituteParams, type ParamValue } from './params.ts';
import { topologicalOrder } from './topologicalOrder.ts';

export interface ValidateDagArgs {
  /** The DAG file's text. */
  text: string;
  /** Its path, for messages. */
  file: string;
  registry: StageRegistry;
  /** `--set name=value` overrides. */
  overrides?: readonly string[];
}

const TOP_LEVEL_KEYS = ['name', 'description', 'params', 'stages'];
const STAGE_KEYS = ['uses', 'from', 'with', 'concurrency', 'buffer', 'onError', 'description'];
const STAGE_ID = /^[A-Za-z_][\w-]*$/;
const DAG_NAME = /^[A-Za-z0-9][\w.-]*$/;

/**
 * Check a DAG file completely before anything runs and turn it into a DagSpec. Every problem found is
 * reported with file, line, column and stage; validation goes on after the first problem where it can,
 * so one run shows them all. Throws DagValidationError.
 */
export function validateDag(args: ValidateDagArgs): DagSpec {
  const { text, file, registry } = args;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const errors: DagError[] = [];
  const at = (node: Node | Pair | null | undefined, reason: string, stage?: string) => {
    errors.push(new DagError({ file, ...position(lines, node), stage }, reason));
  };
  const fail = () => new DagValidationError(errors);

  // One syntax slip makes the parser report a cascade; the first few lines say all there is to say.
  let hinted = false;
  for (const error of doc.errors.slice(0, 3)) {
    // `linePos` is only filled in with prettyErrors; compute it from the offset ourselves.
    const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
    const lineText = text.split('\n')[(pos?.line ?? 1) - 1] ?? '';
    // The most common slip in DAG files: `{count: ${params.count}}`, where YAML reads the braces as a map.
    const hint = !hinted && (hinted = /\{[^}\n]*\$\{params\./.test(lineText)) ? ' (hint: inside a one-line {…} map, quote "${params.x}" or write the map in block style)' : '';
    errors.push(new DagError({ file, line: pos?.line, column: pos?.col }, `YAML syntax: ${error.message.split('\n')[0].replace(/ at line \d+, column \d+.*$/, '')}${hint}`));
  }
  if (errors.length) throw fail();

  const root = doc.contents;
  if (!isMap(root)) {
    at(root, 'a DAG file is a YAML map with `name`, `params` and `stages`');
    throw fail();
  }
  for (const pair of root.items) {
    const key = keyOf(pair);
    if (!TOP_LEVEL_KEYS.includes(key)) at(pair.key as Node, `unknown top-level key "${key}" (expected one of: ${TOP_LEVEL_KEYS.join(', ')})`);
  }

  // name
  const nameNode = root.get('name', true) as Node | undefined;
  const name = isScalar(nameNode) ? nameNode.value : undefined;
  if (typeof name !== 'string' || !DAG_NAME.test(name)) {
    at(nameNode ?? root, '`name` must be a string of letters, digits, `-`, `_` or `.` (it names the run folder)');
  }
  const descriptionNode = root.get('description', true) as Node | undefined;
  const description = isScalar(descriptionNode) && typeof descriptionNode.value === 'string' ? descriptionNode.value : undefined;

  // params
  const defaults: Record<string, ParamValue> = {};
  const paramsNode = root.get('params', true) as Node | undefined;
  if (paramsNode !== undefined && !(isScalar(paramsNode) && paramsNode.value === null)) {
    if (!isMap(paramsNode)) at(paramsNode, '`params` must be a map of name: default value');
    else {
      for (const pair of paramsNode.items) {
        const key = keyOf(pair);
        const value = isScalar(pair.value) ? pair.value.value : undefined;
        if (!/^[A-Za-z_][\w-]*$/.test(key)) at(pair.key as Node, `param name "${key}" must be letters, digits, \`-\` or \`_\``);
        else if (key in defaults) at(pair.key as Node, `param "${key}" is defined twice`);
        else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') defaults[key] = value;
        else at((pair.value as Node) ?? pair.key, `param "${key}" needs a default that is a string, number or boolean`);
      }
    }
  }
  if (errors.length) throw fail();
  const params = applyOverrides(defaults, args.overrides ?? [], file);

  // stages
  const stagesNode = root.get('stages', true) as Node | undefined;
  if (!isMap(stagesNode) || stagesNode.items.length === 0) {
    at(stagesNode ?? root, '`stages` must be a non-empty map of stage id: {uses, from, with}');
    throw fail();
  }
  const stageNodes = new Map<string, { pair: Pair; node: YAMLMap }>();
  for (const pair of stagesNode.items) {
    const id = keyOf(pair);
    if (stageNodes.has(id)) {
      at(pair.key as Node, `duplicate stage id "${id}" (first defined on line ${position(lines, stageNodes.get(id)!.pair.key as Node).line})`, id);
      continue;
    }
    if (!STAGE_ID.test(id)) at(pair.key as Node, `stage id "${id}" must start with a letter and use letters, digits, \`-\` or \`_\``, id);
    if (!isMap(pair.value)) {
      at((pair.value as Node) ?? pair.key, 'a stage is a map with `uses` and, but for sources, `from`', id);
      continue;
    }
    stageNodes.set(id, { pair, node: pair.value });
  }

  const specs: StageSpec[] = [];
  for (const [id, { pair, node }] of stageNodes) {
    for (const item of node.items) {
      const key = keyOf(item);
      if (!STAGE_KEYS.includes(key)) at(item.key as Node, `unknown key "${key}" in stage (expected one of: ${STAGE_KEYS.join(', ')})`, id);
    }
    const usesNode = node.get('uses', true) as Node | undefined;
    const uses = isScalar(usesNode) ? usesNode.value : undefined;
    if (typeof uses !== 'string') {
      at(usesNode ?? (pair.key as Node), 'missing `uses:` (the stage type)', id);
      continue;
    }
    const type = registry.get(uses);
    if (!type) {
      at(usesNode, `unknown stage type "${uses}" (known types: ${registry.names().join(', ')})`, id);
      continue;
    }

    // from
    const fromNode = node.get('from', true) as Node | undefined;
    const from: string[] = [];
    const fromItems = fromNode === undefined ? [] : isSeq(fromNode) ? fromNode.items : [fromNode];
    for (const item of fromItems) {
      const value = isScalar(item) ? item.value : undefined;
      if (typeof value !== 'string') at(item as Node, '`from` takes a stage id or a list of stage ids', id);
      else if (!stageNodes.has(value)) at(item as Node, `unknown stage "${value}" in \`from\` (stages: ${[...stageNodes.keys()].join(', ')})`, id);
      else if (value === id) at(item as Node, 'a stage cannot read from itself', id);
      else if (from.includes(value)) at(item as Node, `stage "${value}" is listed twice in \`from\``, id);
      else from.push(value);
    }
    if (type.kind === 'source' && fromNode !== undefined) at(fromNode, `"${uses}" is a source stage and takes no \`from\``, id);
    if (type.kind !== 'source' && fromNode === undefined) at(pair.key as Node, `"${uses}" needs an input: add \`from: <stage id>\``, id);

    const concurrency = positiveInt(node, 'concurrency', DEFAULT_CONCURRENCY, id);
    const buffer = positiveInt(node, 'buffer', DEFAULT_BUFFER, id);
    if (concurrency > buffer) at(node.get('concurrency', true) as Node, `\`concurrency\` (${concurrency}) cannot exceed \`buffer\` (${buffer}): items being worked on count against the edge's buffer`, id);
    if (type.maxConcurrency !== undefined && concurrency > type.maxConcurrency) at(node.get('concurrency', true) as Node, `"${uses}" runs at most ${type.maxConcurrency} item(s) at once`, id);
    const onErrorNode = node.get('onError', true) as Node | undefined;
    let onError: OnError = 'fail';
    if (onErrorNode !== undefined) {
      const value = isScalar(onErrorNode) ? onErrorNode.value : undefined;
      if (value === 'fail' || value === 'skip') onError = value;
      else at(onErrorNode, '`onError` is `fail` or `skip`', id);
    }

    // with: substitute params, then the stage type's schema
    const withNode = node.get('with', true) as Node | undefined;
    let rawConfig: Record<string, unknown> = {};
    // Nodes of `with` already reported (unknown param, not a map): the schema's complaint there would only repeat it.
    const reported = new Set<Node>();
    if (withNode !== undefined && !(isScalar(withNode) && withNode.value === null)) {
      if (!isMap(withNode)) {
        at(withNode, '`with` is a map of config values', id);
        reported.add(withNode);
      } else {
        rawConfig = substituteNode(withNode, params, (n, reason) => {
          reported.add(n);
          at(n, reason, id);
        }) as Record<string, unknown>;
      }
    }
    const parsed = type.config.safeParse(rawConfig);
    let config: unknown = undefined;
    if (parsed.success) config = parsed.data;
    else {
      for (const issue of parsed.error.issues) {
        const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
        const target = deepestNode(withNode, path) ?? (pair.key as Node);
        if (reported.has(target)) continue;
        const where = path.length ? `with.${path.join('.')}` : 'with';
        if (issue.code === 'unrecognized_keys') {
          // Point at each unknown key, not at the map holding it; list the known keys of `with` itself.
          const shape = path.length === 0 ? (type.config as { shape?: Record<string, unknown> }).shape : undefined;
          const known = shape ? ` (known keys: ${Object.keys(shape).join(', ')})` : '';
          for (const key of issue.keys) at(keyNode(target, key) ?? target, `invalid config ${where}: unknown key "${key}"${known}`, id);
        } else if (issue.code === 'invalid_type' && isMissing(rawConfig, path)) {
          at(target, `invalid config ${where}: missing required key (expected ${issue.expected})`, id);
        } else at(target, `invalid config ${where}: ${issue.message}`, id);
      }
    }
    const configPositions: Record<string, { line?: number; column?: number }> = {};
    if (isMap(withNode)) for (const item of withNode.items) configPositions[keyOf(item)] = position(lines, (item.value as Node) ?? (item.key as Node));
    specs.push({ id, uses, from, config, rawConfig, concurrency, buffer, onError, line: position(lines, pair.key as Node).line, configPositions });
  }

  // edges: item types must agree
  const byId = new Map(specs.map((s) => [s.id, s]));
  for (const spec of specs) {
    const type = registry.get(spec.uses)!;
    const wants = inputTypeOf(type);
    for (const upstreamId of spec.from) {
      const upstream = byId.get(upstreamId);
      if (!upstream || !wants) continue;
      const upstreamType = registry.get(upstream.uses)!;
      const gives = outputTypeOf(upstreamType);
      const node = findFromNode(stageNodes.get(spec.id)!.node, upstreamId);
      if (gives === undefined) at(node, `stage "${upstreamId}" (${upstream.uses}) is a sink and emits nothing to read`, spec.id);
      else if (gives !== wants) at(node, `"${spec.uses}" takes ${wants} items but stage "${upstreamId}" (${upstream.uses}) emits ${gives}`, spec.id);
    }
  }

  const order = topologicalOrder(specs.map((s) => ({ id: s.id, from: s.from.filter((f) => byId.has(f)) })));
  if (order.cycle) {
    const first = order.cycle[0];
    const last = order.cycle[order.cycle.length - 1];
    at(findFromNode(stageNodes.get(first)!.node, last), `cycle: ${[...order.cycle, first].join(' -> ')}`, first);
  }
  if (errors.length) throw fail();
  return { name: name as string, description, file, params, stages: order.order.map((id) => byId.get(id)!) };

  function positiveInt(node: YAMLMap, key: string, fallback: number, stage: string): number {
    const valueNode = node.get(key, true) as Node | undefined;
    if (valueNode === undefined) return fallback;
    const raw = isScalar(valueNode) ? valueNode.value : undefined;
    const value = typeof raw === 'string' && referencedParams(raw).length ? substituteParams(raw, params) : raw;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 4096) return value;
    at(valueNode, `\`${key}\` must be a whole number from 1 to 4096`, stage);
    return fallback;
  }
}

/** 1-based line and column of a node's start. */
function position(lines: LineCounter, node: Node | Pair | null | undefined): { line?: number; column?: number } {
  const range = node && 'range' in node ? node.range : undefined;
  if (!range) return {};
  const pos = lines.linePos(range[0]);
  return { line: pos.line, column: pos.col };
}

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

/** A YAML node as plain data with `${params.x}` substituted; unknown params reported at their node. */
function substituteNode(node: unknown, params: Record<string, ParamValue>, report: (node: Node, reason: string) => void): unknown {
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) out[keyOf(pair)] = substituteNode(pair.value, params, report);
    return out;
  }
  if (isSeq(node)) return node.items.map((item) => substituteNode(item, params, report));
  if (isScalar(node)) {
    if (typeof node.value !== 'string') return node.value;
    const unknown = referencedParams(node.value).filter((name) => !(name in params));
    for (const name of unknown) {
      const known = Object.keys(params).sort().join(', ') || 'none';
      report(node, `unknown param "\${params.${name}}" (known params: ${known})`);
    }
    return unknown.length ? node.value : substituteParams(node.value, params);
  }
  return null;
}

/** The node at `path` under `root`, or the deepest ancestor that exists (for a missing key). */
function deepestNode(root: Node | undefined, path: (string | number)[]): Node | undefined {
  let node: unknown = root;
  for (const key of path) {
    if (!isMap(node) && !isSeq(node)) break;
    const next = node.get(key, true);
    if (next === undefined) break;
    node = next;
  }
  return (node as Node | undefined) ?? root;
}

/** The key node of `key` in a YAML map. */
function keyNode(map: Node | undefined, key: string): Node | undefined {
  if (!isMap(map)) return undefined;
  return map.items.find((pair) => keyOf(pair) === key)?.key as Node | undefined;
}

/** True when the last key of `path` is absent from its (present) parent in `config`. */
function isMissing(config: unknown, path: (string | number)[]): boolean {
  if (path.length === 0) return false;
  let parent: unknown = config;
  for (const key of path.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object') return false;
    parent = (parent as Record<string | number, unknown>)[key];
  }
  return parent !== null && typeof parent === 'object' && !(path[path.length - 1] in parent);
}

function findFromNode(stage: YAMLMap, upstream: string): Node | undefined {
  const from = stage.get('from', true) as Node | undefined;
  if (isSeq(from)) return from.items.find((item) => isScalar(item) && item.value === upstream) as Node | undefined;
  return from;
}
