import { z } from 'zod';
import { defineOperator } from '../contracts/operator.js';

/**
 * Re-keys records by a field and repartitions them: the steps after it run as their own tasks over an internal topic,
 * `weir.<topology>.<step>.repartition`, so that every record of one key meets the same task, whatever input partition
 * it came from. The engine cuts the topology at this step; it never runs as an operator.
 *
 * @example
 * pipeline:
 *   - validate: { schema: EdgeEvent }
 *   - key-by: { field: tenant }
 *   - windowed-edge-aggregate: {}
 */
export default defineOperator({
  name: 'key-by',
  summary: 'Re-keys records by a field and repartitions them through an internal topic; the steps after it run as their own tasks.',
  config: z.strictObject({
    field: z.string().min(1).describe("Payload field (a dotted path) whose value becomes the record's key."),
    partitions: z.number().int().positive().optional().describe("Partitions of the repartition topic when Weir creates it; defaults to the input topic's count."),
  }),
  examples: ['- key-by: { field: tenant }', '- key-by: { field: stream_id, partitions: 8 }'],
  create: () => {
    throw new TypeError('key-by cuts the topology into sub-topologies; the engine never runs it as an operator');
  },
});

/** The value at a dotted path of a payload, as a key; undefined when absent. */
export function keyAt(value: unknown, path: string): string | undefined {
  let current: unknown = value;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  if (current === undefined || current === null) return undefined;
  return typeof current === 'string' ? current : JSON.stringify(current);
}
