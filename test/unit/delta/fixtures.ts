import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SinkRecord } from '../../../delta/append-plan.js';

/** Test inputs for the Delta library: the project's Avro schemas, generated records, temporary tables. */

export function avroSchema(name: string): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../../schemas/${name}.avsc`, import.meta.url)), 'utf8'));
}

/** A fresh directory under the OS temp dir, removed when the test file ends. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `weir-delta-${prefix}-`));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const MAY_1_2024 = Date.UTC(2024, 4, 1);
const HOUR = 3_600_000;

/** EdgeEvent record number `i`: three tenants, one event an hour from 2024-05-01. */
export function edge(i: number): Record<string, unknown> {
  return {
    edge_id: `edge-${i}`,
    tenant: `tenant-${i % 3}`,
    node_ids: [`n${i}`, `n${i + 1}`, ...(i % 4 === 0 ? [`n${i + 2}`] : [])],
    weight: i / 7,
    event_time: MAY_1_2024 + i * HOUR,
  };
}

/** Kafka records of `topic`/`partition` at offsets [from, to), valued by `value(offset)`. */
export function records(topic: string, partition: number, from: number, to: number, value: (offset: number) => Record<string, unknown> = edge): SinkRecord[] {
  return Array.from({ length: to - from }, (_, i) => ({ topic, partition, offset: from + i, value: value(from + i) }));
}

/** A row's identity for multiset comparisons. */
export const edgeId = (row: Record<string, unknown>): string => String(row.edge_id);

export function sortedIds(rows: readonly Record<string, unknown>[]): string[] {
  return rows.map(edgeId).sort();
}

/** The ids `edge-<from>` … `edge-<to - 1>`, sorted as strings. */
export function idRange(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `edge-${from + i}`).sort();
}
