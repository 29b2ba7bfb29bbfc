import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ReaderItem, ReaderReject, VideoSegment } from '../../datasets/segment.ts';
import { isReject } from '../../datasets/segment.ts';

/** Writes a file (text or raw bytes), creating its folders. */
export async function put(path: string, content: string | Uint8Array = ''): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

/** Drains a reader into its segments and rejects (and everything, in order). */
export async function collect(items: AsyncIterable<ReaderItem>): Promise<{ all: ReaderItem[]; segments: VideoSegment[]; rejects: ReaderReject[] }> {
  const all: ReaderItem[] = [];
  for await (const item of items) all.push(item);
  return {
    all,
    segments: all.filter((i): i is VideoSegment => !isReject(i)),
    rejects: all.filter(isReject),
  };
}

/** Rejects as `item: reason` lines, for compact exact assertions. */
export function rejectLines(rejects: ReaderReject[]): string[] {
  return rejects.map((r) => `${r.item}: ${r.reason}`);
}
