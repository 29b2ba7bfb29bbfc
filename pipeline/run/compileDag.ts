import { concat, defer, ignoreElements, merge, share, Subject, take, takeUntil, tap, type Observable } from 'rxjs';
import type { DagSpec, StageSpec } from '../dag/DagSpec.ts';
import type { StageRegistry } from '../core/StageRegistry.ts';
import type { StageContext } from '../core/StageContext.ts';
import type { AnySinkStageType, AnySourceStageType, AnyTransformStageType, Sink, Transformer } from '../core/StageType.ts';
import { itemLabel } from '../core/itemTypes.ts';
import { describeError, StageError, T2vError } from '../errors/index.ts';
import { Edge } from '../stream/Edge.ts';
import { Outlet } from '../stream/Outlet.ts';
import { toAsyncIterable } from '../stream/toAsyncIterable.ts';
import { pullSource } from '../stream/operators/pullSource.ts';
import { fromEdges, type Arrival } from '../stream/operators/fromEdges.ts';
import { mergeMapInOrder } from '../stream/operators/mergeMapInOrder.ts';
import type { StageStats } from './StageStats.ts';

export interface CompileDagArgs {
  dag: DagSpec;
  registry: StageRegistry;
  /** Stages that run; the others are skipped (up to date) and get no edges. */
  running: ReadonlySet<string>;
  /** The context of each stage, but for `complete`, which compileDag wires itself. */
  contextFor(stage: StageSpec): Omit<StageContext, 'complete'>;
  stats: ReadonlyMap<string, StageStats>;
  /** Aborted when the run must stop; waits on edges end with it. */
  signal: AbortSignal;
}

export interface CompiledDag {
  /** Subscribe to run; completes when every sink has finished, errors with the first failure. */
  run$: Observable<never>;
  /** What each sink's `finish` returned, for the manifest. */
  results: Map<string, Record<string, unknown>>;
  edges: Edge<unknown>[];
}

/**
 * Open every running stage, then join them with bounded edges into one RxJS stream. Opening first
 * matters: edges are Subjects, and every consumer must be subscribed before any source emits.
 */
export async function compileDag(args: CompileDagArgs): Promise<CompiledDag> {
  const { dag, registry, running, stats, signal } = args;
  const stages = dag.stages.filter((s) => running.has(s.id));
  const edges: Edge<unknown>[] = [];
  for (const stage of stages) for (const from of stage.from) if (running.has(from)) edges.push(new Edge(from, stage.id, stage.buffer));
  const results = new Map<string, Record<string, unknown>>();

  const works: Observable<never>[] = [];
  for (const stage of stages) {
    const type = registry.get(stage.uses)!;
    const completeRequested = new Subject<void>();
    const context: StageContext = { ...args.contextFor(stage), complete: () => completeRequested.next() };
    const stat = stats.get(stage.id)!;
    const outlet = new Outlet(edges.filter((e) => e.from === stage.id));
    const incoming = edges.filter((e) => e.to === stage.id);
    // A stage stops early when it says it is done or when nobody reads its output any more; it then
    // closes its inputs, so its upstreams can stop in turn.
    const stop$ = merge(completeRequested, outlet.drained$).pipe(
      take(1),
      tap(() => incoming.forEach((edge) => edge.close())),
      share(),
    );
    const input$ = fromEdges(incoming).pipe(takeUntil(stop$));
    const start = () => {
      stat.status = 'running';
      stat.startedAt ??= Date.now();
    };
    const end = () => {
      stat.status = 'done';
      stat.finishedAt = Date.now();
    };
    const itemFailed = async (error: unknown, item: unknown) => {
      if (signal.aborted || error instanceof T2vError) throw error;
      const label = itemLabel(item, stat.in);
      if (stage.onError === 'skip') await context.reject(label, describeError(error));
      else throw new StageError(stage.id, describeError(error), { item: label, cause: error });
    };

    if (type.kind === 'source') {
      const items = await (type as AnySourceStageType).open(stage.config, context);
      works.push(
        defer(() => {
          start();
          return concat(
            pullSource(items, outlet, signal, () => stat.out++).pipe(takeUntil(stop$)),
            defer(async () => {
              outlet.complete();
              end();
            }),
          );
        }).pipe(ignoreElements()),
      );
    } else if (type.kind === 'transform') {
      const transformer: Transformer<unknown, unknown> = await (type as AnyTransformStageType).open(stage.config, context);
      const emitAll = async (outputs: AsyncIterable<unknown>) => {
        for await (const output of outputs) {
          await outlet.emit(output, signal);
          stat.out++;
        }
      };
      const handle = async ({ item, edge }: Arrival<unknown>, turn: () => Promise<void>) => {
        start();
        stat.in++;
        try {
          if (stage.concurrency === 1) await emitAll(toAsyncIterable(transformer.process(item)));
          else {
            // Work concurrently, emit in input order.
            const outputs: unknown[] = [];
            for await (const output of toAsyncIterable(transformer.process(item))) outputs.push(output);
            await turn();
            await emitAll(toAsyncIterable(outputs));
          }
        } catch (error) {
          await itemFailed(error, item);
        } finally {
          edge.credits.give();
        }
      };
      works.push(
        concat(
          input$.pipe(mergeMapInOrder(handle, stage.concurrency)),
          defer(async () => {
            start();
            await emitAll(toAsyncIterable(transformer.flush?.()));
            outlet.complete();
            end();
          }).pipe(ignoreElements()),
        ),
      );
    } else {
      const sink: Sink<unknown> = await (type as AnySinkStageType).open(stage.config, context);
      let finished = false;
      // Items being consumed when the run stops go on until their promise settles (a write cannot be
      // recalled); abort waits for them, or a late write could recreate what abort removed.
      const inFlight = new Set<Promise<void>>();
      context.onAbort(async () => {
        await Promise.allSettled([...inFlight]);
        if (!finished) await sink.abort?.();
      });
      const handle = async ({ item, edge }: Arrival<unknown>) => {
        start();
        stat.in++;
        const consumed = Promise.resolve().then(() => sink.consume(item));
        inFlight.add(consumed);
        try {
          await consumed;
        } catch (error) {
          await itemFailed(error, item);
        } finally {
          inFlight.delete(consumed);
          edge.credits.give();
        }
      };
      works.push(
        concat(
          input$.pipe(mergeMapInOrder(handle, stage.concurrency)),
          defer(async () => {
            start();
            const result = await sink.finish();
            finished = true;
            if (result) results.set(stage.id, result);
            end();
          }).pipe(ignoreElements()),
        ),
      );
    }
  }

  // The stage whose own stream errs is the one that failed; the rest are merely stopped.
  const marked = works.map((work, i) =>
    work.pipe(
      tap({
        error: () => {
          const stat = stats.get(stages[i].id)!;
          stat.status = 'failed';
          stat.finishedAt = Date.now();
        },
      }),
    ),
  );
  // Consumers subscribe before producers: sinks first, sources last.
  const run$ = defer(() => merge(...marked.reverse()));
  return { run$, results, edges };
}
