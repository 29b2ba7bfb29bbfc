/**
 * Remembers which clip ids a dataset already has, in fixed memory however many clips it holds (a Set
 * of ten million ids would take ~500 MB). A Bloom filter answers "certainly new" for almost every id;
 * the rare "maybe seen" is settled exactly against the ids of the shard being written, and otherwise
 * kept as a suspect to be checked against the written index files once, at the end.
 */
export class SeenIds {
  // 2^27 bits (16 MiB) and 7 probes: under 0.2% false "maybe" at ten million ids.
  private readonly bits = new Uint32Array(1 << 22);
  private readonly mask = (1 << 27) - 1;
  private static readonly PROBES = 7;
  private currentShard = new Set<string>();
  /** Ids that may have been seen in an earlier shard: verified by `verify`. */
  readonly suspects = new Set<string>();

  /** Throws if the id certainly repeats one of the current shard; call before writing the clip. */
  check(id: string): void {
    if (this.currentShard.has(id)) throw new Error(`duplicate clip id "${id}"`);
  }

  /** Record the id of a clip just written to the current shard. */
  add(id: string): void {
    let h1 = fnv1a(id, 0x811c9dc5);
    const h2 = fnv1a(id, 0x01000193) | 1;
    let present = true;
    for (let i = 0; i < SeenIds.PROBES; i++) {
      const bit = h1 & this.mask;
      const word = bit >>> 5;
      const flag = 1 << (bit & 31);
      if (!(this.bits[word] & flag)) {
        present = false;
        this.bits[word] |= flag;
      }
      h1 = (h1 + h2) >>> 0;
    }
    if (present) this.suspects.add(id);
    this.currentShard.add(id);
  }

  /** Ids of closed shards live in their index files from now on. */
  shardClosed(): void {
    this.currentShard = new Set();
  }

  /**
   * Given every id written (streamed from the index files), the suspects that really occur twice.
   */
  static async duplicatesAmong(suspects: ReadonlySet<string>, ids: AsyncIterable<string>): Promise<string[]> {
    if (!suspects.size) return [];
    const counts = new Map<string, number>();
    for await (const id of ids) if (suspects.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
    return [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  }
}

function fnv1a(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Final avalanche so nearby ids (clip-000001, clip-000002) spread over the whole filter.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}
