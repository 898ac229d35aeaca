import { mkdir, open, readFile, truncate } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { defineSink, type SinkRecord } from '../contracts/sink.js';

/**
 * Appends committed records to JSON-lines files, one per topic partition (`<path>/<topic>.<partition>.jsonl`), each
 * line `{"offset","key","value","headers","timestamp"}`. The files are their own checkpoint: on assignment the sink
 * reads the last complete line's offset (cutting a line a crash left half-written) and skips what it already has, so a
 * replay from any offset — even 0 — changes nothing.
 *
 * @example
 * sinks:
 *   export: { from: default, file: { path: out/edges } }
 */
export default defineSink({
  name: 'file',
  summary: 'Appends committed records to one JSON-lines file per topic partition; a replay changes nothing.',
  guarantee: 'effectively once: each line carries its record offset, records at or below the last line are skipped',
  config: z.strictObject({
    path: z.string().min(1).describe('Folder of the files, relative to the topology file.'),
  }),
  examples: ['export: { from: default, file: { path: out/edges } }'],
  create: async (config, ctx) => {
    const folder = resolve(ctx.baseDir, config.path);
    await mkdir(folder, { recursive: true });
    /** Per file, the next offset it expects (everything below is written). */
    const next = new Map<string, bigint>();
    const fileOf = (topic: string, partition: number): string => join(folder, `${topic}.${partition}.jsonl`);

    const resumeOffset = async (topic: string, partition: number): Promise<string | undefined> => {
      const file = fileOf(topic, partition);
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      });
      const complete = text.lastIndexOf('\n') + 1;
      if (complete < text.length) await truncate(file, Buffer.byteLength(text.slice(0, complete)));
      const lastLine = text.slice(0, complete).trimEnd().split('\n').at(-1);
      if (lastLine === undefined || lastLine === '') return undefined;
      const offset = BigInt((JSON.parse(lastLine) as { offset: string }).offset) + 1n;
      next.set(file, offset);
      return offset.toString();
    };

    return {
      resumeOffset,
      async write(records: readonly SinkRecord[]) {
        const first = records[0];
        if (first === undefined) return [];
        const file = fileOf(first.topic, first.partition);
        if (!next.has(file)) await resumeOffset(first.topic, first.partition);
        const from = next.get(file) ?? 0n;
        const lines = records
          .filter((record) => BigInt(record.offset) >= from)
          .map((record) => `${JSON.stringify({ offset: record.offset, key: record.key, value: Buffer.isBuffer(record.value) ? record.value.toString('base64') : record.value, headers: record.headers, timestamp: record.timestamp })}\n`);
        if (lines.length === 0) return [];
        const handle = await open(file, 'a');
        try {
          await handle.write(lines.join(''));
          await handle.sync();
        } finally {
          await handle.close();
        }
        next.set(file, BigInt((records[records.length - 1] as SinkRecord).offset) + 1n);
        return [];
      },
      async close() {},
    };
  },
});
