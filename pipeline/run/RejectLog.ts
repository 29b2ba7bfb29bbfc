import { appendFile } from 'node:fs/promises';

export interface RejectRecord {
  stage: string;
  item: string;
  reason: string;
  time: string;
}

/** `rejects.jsonl`: one line per item a stage could not use, with the reason. Writes are serialised. */
export class RejectLog {
  private queue: Promise<void> = Promise.resolve();
  count = 0;

  constructor(readonly path: string) {}

  add(stage: string, item: string, reason: string): Promise<void> {
    const record: RejectRecord = { stage, item, reason, time: new Date().toISOString() };
    this.count++;
    this.queue = this.queue.then(() => appendFile(this.path, JSON.stringify(record) + '\n'));
    return this.queue;
  }

  flushed(): Promise<void> {
    return this.queue;
  }
}
