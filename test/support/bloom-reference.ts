import { seededRandom } from '../chaos/harness.js';
import { bloomPositions } from '../fixtures/operators/bloom-add.js';

/**
 * Inputs and the expected result of the bloom-add fixture: seeded items where a given share repeats an earlier one,
 * and a reference Bloom filter computed here, record by record, in input order.
 */

/** `count` items, `Math.round(count · repeatShare)` of them repeating an item seen before (never the first). */
export function bloomItems(count: number, repeatShare: number, seed: number): string[] {
  const random = seededRandom(seed);
  const repeats = Math.round(count * repeatShare);
  const isRepeat = Array.from({ length: count }, (_, i) => i >= 1 && i <= repeats);
  // Shuffle positions 1.. so that repeats spread over the input; position 0 is always new.
  for (let i = count - 1; i > 1; i--) {
    const j = 1 + Math.floor(random() * i);
    [isRepeat[i], isRepeat[j]] = [isRepeat[j] as boolean, isRepeat[i] as boolean];
  }
  const items: string[] = [];
  let fresh = 0;
  for (const repeat of isRepeat) items.push(repeat ? (items[Math.floor(random() * items.length)] as string) : `item-${seed}-${fresh++}-${Math.floor(random() * 1e9)}`);
  return items;
}

/** The filter's bits as Redis stores them (bit 0 = the most significant bit of byte 0, up to the last set byte) and each record's `seen`. */
export function bloomReference(items: readonly string[], bits: number, hashes: number): { bits: Buffer; seen: boolean[] } {
  const filter = Buffer.alloc(Math.ceil(bits / 8));
  let lastByte = -1;
  const seen = items.map((item) => {
    const positions = bloomPositions(item, bits, hashes);
    const all = positions.every((offset) => ((filter[offset >>> 3] as number) & (0x80 >>> (offset & 7))) !== 0);
    for (const offset of positions) {
      filter[offset >>> 3] = (filter[offset >>> 3] as number) | (0x80 >>> (offset & 7));
      lastByte = Math.max(lastByte, offset >>> 3);
    }
    return all;
  });
  return { bits: filter.subarray(0, lastByte + 1), seen };
}
