import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineSink, defineSource, defineTransform } from '../../pipeline/core/StageType.ts';
import { StageRegistry } from '../../pipeline/core/StageRegistry.ts';

/**
 * Stage types for engine tests. A shared `Probe` records what was produced and consumed, so a test can
 * assert the number of items in flight at every moment.
 */
export class Probe {
  produced = 0;
  consumed = 0;
  /** Largest produced - consumed seen when an item was produced. */
  peakInFlight = 0;
  received: unknown[] = [];
  aborted: string[] = [];
  finished: string[] = [];

  noteProduced(): void {
    this.produced++;
    this.peakInFlight = Math.max(this.peakInFlight, this.produced - this.consumed);
  }
}

export const probe = { current: new Probe() };

export function resetProbe(): Probe {
  probe.current = new Probe();
  return probe.current;
}

type Rec = Record<string, unknown>;

export const countSource = defineSource({
  name: 'count-source',
  description: 'test: emits {id, n} for n in 0..count-1',
  version: 1,
  kind: 'source',
  output: 'Record',
  config: z.strictObject({ count: z.number().int().min(0), delayMs: z.number().min(0).default(0), failAt: z.number().int().optional() }),
  total: (c) => c.count,
  async *open(c) {
    for (let n = 0; n < c.count; n++) {
      if (c.delayMs) await sleep(c.delayMs);
      if (n === c.failAt) throw new Error(`source broke at ${n}`);
      probe.current.noteProduced();
      yield { id: `item-${n}`, n } as Rec;
    }
  },
});

export const delayTransform = defineTransform({
  name: 'delay',
  description: 'test: passes items on after a delay; fails on listed n',
  version: 1,
  kind: 'transform',
  input: 'Record',
  output: 'Record',
  config: z.strictObject({ delayMs: z.number().min(0).default(0), failOn: z.array(z.number()).default([]), tag: z.string().default('') }),
  open(c) {
    return {
      async process(item: Rec) {
        // Later items finish sooner, to show that outputs still leave in input order.
        if (c.delayMs) await sleep(c.delayMs * (1 + ((Number(item.n) * 7) % 3)));
        if (c.failOn.includes(Number(item.n))) throw new Error(`cannot handle n=${item.n}`);
        return { ...item, via: [...((item.via as string[]) ?? []), c.tag] } as Rec;
      },
    };
  },
});

export const splitTransform = defineTransform({
  name: 'split',
  description: 'test: emits `copies` outputs per input',
  version: 1,
  kind: 'transform',
  input: 'Record',
  output: 'Record',
  config: z.strictObject({ copies: z.number().int().min(0) }),
  open(c) {
    return {
      *process(item: Rec) {
        for (let k = 0; k < c.copies; k++) yield { ...item, id: `${item.id}.${k}`, k } as Rec;
      },
    };
  },
});

export const slowSink = defineSink({
  name: 'slow-sink',
  description: 'test: consumes items, waiting per item',
  version: 1,
  kind: 'sink',
  input: 'Record',
  config: z.strictObject({
    delayMs: z.number().min(0).default(0),
    failOn: z.array(z.number()).default([]),
    out: z.string().optional(),
    /** Say "done" to the engine after this many items. */
    completeAfter: z.number().int().optional(),
  }),
  outputs: (c) => (c.out ? [c.out] : []),
  open(c, ctx) {
    return {
      async consume(item: Rec) {
        if (c.delayMs) await sleep(c.delayMs);
        if (c.failOn.includes(Number(item.n))) throw new Error(`sink refuses n=${item.n}`);
        probe.current.consumed++;
        probe.current.received.push(item);
        if (c.completeAfter !== undefined && probe.current.consumed >= c.completeAfter) ctx.complete();
      },
      async finish() {
        probe.current.finished.push(ctx.stageId);
        if (c.out) {
          const { writeFile } = await import('node:fs/promises');
          const { resolve } = await import('node:path');
          await writeFile(resolve(ctx.cwd, c.out), String(probe.current.consumed));
        }
        return { consumed: probe.current.consumed };
      },
      abort() {
        probe.current.aborted.push(ctx.stageId);
      },
    };
  },
});

export const testRegistry = new StageRegistry([countSource, delayTransform, splitTransform, slowSink]);
