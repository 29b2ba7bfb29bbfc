import type { ObservableInput } from 'rxjs';
import type { z } from 'zod';
import type { ItemTypeName, ItemTypes } from './itemTypes.ts';
import type { StageContext } from './StageContext.ts';

interface StageTypeBase<Config> {
  /** The name DAG files use in `uses:`, e.g. `bouncing-digits`. */
  readonly name: string;
  readonly description: string;
  /** Bump when the stage's output bytes change for the same config: cached results become stale. */
  readonly version: number;
  /** zod schema of `with:`; validation runs it before anything starts. */
  readonly config: z.ZodType<Config>;
  /** Upper bound on `concurrency` for stages whose work must stay sequential (e.g. a file writer). */
  readonly maxConcurrency?: number;
  /**
   * Files or folders this stage writes, resolved from its config. When they exist and the stage's
   * fingerprint is unchanged since they were written, a re-run skips the stage.
   */
  outputs?(config: Config): string[];
  /**
   * Files or folders the stage reads (a dataset root, a captions file, word vectors). Their sizes and
   * modification times are part of the fingerprint, so a changed input re-runs the stage.
   */
  inputs?(config: Config): string[];
  /**
   * Checks against files that exist before the run (a dataset's clip shape against a model's), run by
   * loadDag after the schema: each problem is reported like a schema error, at `with.<path>`. A file
   * that does not exist yet (an upstream stage makes it) is not a problem here.
   */
  check?(config: Config, context: { cwd: string }): Promise<StageCheckProblem[]> | StageCheckProblem[];
}

export interface StageCheckProblem {
  /** Config key path, e.g. ['frames']. */
  path: string[];
  message: string;
}

export type SourceItems<T> = Iterable<T> | AsyncIterable<T>;

/**
 * Produces items. Sources are pulled: the engine asks for the next item only when every edge leaving
 * the stage has room, so a source never runs ahead of its consumers.
 */
export interface SourceStageType<Config, Out extends ItemTypeName> extends StageTypeBase<Config> {
  readonly kind: 'source';
  readonly output: Out;
  open(config: Config, context: StageContext): SourceItems<ItemTypes[Out]> | Promise<SourceItems<ItemTypes[Out]>>;
  /** How many items the source will produce, if known (for progress bars and ETAs). */
  total?(config: Config): number | undefined;
}

/** The per-item work of a transform: like the `project` of RxJS mergeMap, plus an end-of-stream flush. */
export interface Transformer<In, Out> {
  /** Zero, one or many outputs for one input. Prefer an (async) iterable for many: it is pulled. */
  process(item: In): ObservableInput<Out> | undefined;
  /** Outputs held back until the input ends (e.g. a last partial batch). */
  flush?(): ObservableInput<Out> | undefined;
}

export interface TransformStageType<Config, In extends ItemTypeName, Out extends ItemTypeName>
  extends StageTypeBase<Config> {
  readonly kind: 'transform';
  readonly input: In;
  readonly output: Out;
  open(config: Config, context: StageContext): Transformer<ItemTypes[In], ItemTypes[Out]> | Promise<Transformer<ItemTypes[In], ItemTypes[Out]>>;
}

/** Consumes items and writes something durable; `finish` makes the result visible atomically. */
export interface Sink<In> {
  consume(item: In): Promise<void> | void;
  /** Called once after the last item; publish outputs (rename into place). Returns a summary for the manifest. */
  finish(): Promise<Record<string, unknown> | void> | Record<string, unknown> | void;
  /** Called instead of `finish` when the run fails or is aborted: remove anything partial. */
  abort?(): Promise<void> | void;
}

export interface SinkStageType<Config, In extends ItemTypeName> extends StageTypeBase<Config> {
  readonly kind: 'sink';
  readonly input: In;
  open(config: Config, context: StageContext): Sink<ItemTypes[In]> | Promise<Sink<ItemTypes[In]>>;
}

// `any` here only erases the type parameters for the registry; each module is checked with its own.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type AnySourceStageType = SourceStageType<any, ItemTypeName>;
export type AnyTransformStageType = TransformStageType<any, ItemTypeName, ItemTypeName>;
export type AnySinkStageType = SinkStageType<any, ItemTypeName>;
export type AnyStageType = AnySourceStageType | AnyTransformStageType | AnySinkStageType;

/** Identity helpers that let TypeScript infer Config from the zod schema and check item types. */
export function defineSource<Config, Out extends ItemTypeName>(type: SourceStageType<Config, Out>): SourceStageType<Config, Out> {
  return type;
}
export function defineTransform<Config, In extends ItemTypeName, Out extends ItemTypeName>(
  type: TransformStageType<Config, In, Out>,
): TransformStageType<Config, In, Out> {
  return type;
}
export function defineSink<Config, In extends ItemTypeName>(type: SinkStageType<Config, In>): SinkStageType<Config, In> {
  return type;
}

export function inputTypeOf(type: AnyStageType): ItemTypeName | undefined {
  return type.kind === 'source' ? undefined : type.input;
}
export function outputTypeOf(type: AnyStageType): ItemTypeName | undefined {
  return type.kind === 'sink' ? undefined : type.output;
}
