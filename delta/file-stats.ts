import type { Column, ColumnType } from './columns.js';
import { utcDate } from './table-layout.js';

/**
 * Per-file statistics of an `add` action (PROTOCOL.md, "Per-file Statistics"), computed from the typed
 * values written, so they are exact and tight: `numRecords`, and per column `nullCount`, `minValues`,
 * `maxValues`, nested like the schema for struct fields.
 * - min/max for numbers, strings, dates and timestamps (ISO-8601 in UTC, millisecond precision), not for
 *   booleans, binary, arrays or maps (nullCount only); NaN is left out of min/max.
 * - Strings compare in code-point order (= UTF-8 byte order, as Delta readers compare). A minimum longer than
 *   32 characters is cut to its first 32 (still a lower bound); a longer maximum is left out, since a cut one
 *   would not be an upper bound.
 * - Only the first 32 leaf columns get statistics (`delta.dataSkippingNumIndexedCols` default).
 */

export interface FileStats {
  numRecords: number;
  minValues: Record<string, unknown>;
  maxValues: Record<string, unknown>;
  nullCount: Record<string, unknown>;
}

const STRING_PREFIX = 32;
const INDEXED_COLUMNS = 32;

/** Compares strings by code point (UTF-16 order differs only between surrogates and U+E000–U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const surrogateX = x >= 0xd800 && x <= 0xdfff;
      const surrogateY = y >= 0xd800 && y <= 0xdfff;
      if (surrogateX !== surrogateY) return surrogateX ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}

interface Collector {
  add(value: unknown): void;
  /** Writes this column's entries into the three stats objects under `name`. */
  emit(name: string, stats: Omit<FileStats, 'numRecords'>): void;
}

function leafCollector(type: ColumnType): Collector {
  let nulls = 0;
  let min: unknown;
  let max: unknown;
  const ordered = type.kind !== 'boolean' && type.kind !== 'binary' && type.kind !== 'array' && type.kind !== 'map';
  const isString = type.kind === 'string';
  const less = isString ? (a: unknown, b: unknown) => compareCodePoints(a as string, b as string) < 0 : (a: unknown, b: unknown) => (a as number) < (b as number);
  return {
    add(value) {
      if (value === null || value === undefined) {
        nulls++;
        return;
      }
      if (!ordered) return;
      let v = value;
      if (typeof v === 'bigint') v = Number(v);
      else if (v instanceof Date) v = v.getTime();
      if (typeof v === 'number' && Number.isNaN(v)) return;
      if (min === undefined || less(v, min)) min = v;
      if (max === undefined || less(max, v)) max = v;
    },
    emit(name, stats) {
      stats.nullCount[name] = nulls;
      if (min === undefined) return;
      switch (type.kind) {
        case 'timestamp':
          stats.minValues[name] = new Date(min as number).toISOString();
          stats.maxValues[name] = new Date(max as number).toISOString();
          return;
        case 'date':
          stats.minValues[name] = utcDate((min as number) * 86_400_000);
          stats.maxValues[name] = utcDate((max as number) * 86_400_000);
          return;
        case 'string': {
          const lowest = [...(min as string)];
          stats.minValues[name] = lowest.length > STRING_PREFIX ? lowest.slice(0, STRING_PREFIX).join('') : min;
          if ([...(max as string)].length <= STRING_PREFIX) stats.maxValues[name] = max;
          return;
        }
        default:
          stats.minValues[name] = min;
          stats.maxValues[name] = max;
      }
    },
  };
}

function structCollector(fields: readonly Column[], budget: { left: number }): Collector {
  const children: [string, Collector][] = [];
  for (const field of fields) {
    if (budget.left <= 0) break;
    children.push([field.name, collector(field.type, budget)]);
  }
  return {
    add(value) {
      const record = value as Record<string, unknown> | null | undefined;
      for (const [name, child] of children) child.add(record?.[name]);
    },
    emit(name, stats) {
      const nested = { minValues: {}, maxValues: {}, nullCount: {} };
      for (const [childName, child] of children) child.emit(childName, nested);
      stats.nullCount[name] = nested.nullCount;
      if (Object.keys(nested.minValues).length > 0) stats.minValues[name] = nested.minValues;
      if (Object.keys(nested.maxValues).length > 0) stats.maxValues[name] = nested.maxValues;
    },
  };
}

function collector(type: ColumnType, budget: { left: number }): Collector {
  if (type.kind === 'struct') return structCollector(type.fields, budget);
  budget.left--;
  return leafCollector(type);
}

/** Statistics of `rows` (typed values) for the data columns of a file. */
export function fileStats(columns: readonly Column[], rows: readonly Record<string, unknown>[]): FileStats {
  const root = structCollector(columns, { left: INDEXED_COLUMNS });
  for (const row of rows) root.add(row);
  const collected = { minValues: {}, maxValues: {}, nullCount: {} } as Omit<FileStats, 'numRecords'>;
  const top = { minValues: {}, maxValues: {}, nullCount: {} } as Omit<FileStats, 'numRecords'>;
  root.emit('root', top);
  Object.assign(collected.nullCount, top.nullCount.root);
  Object.assign(collected.minValues, top.minValues.root ?? {});
  Object.assign(collected.maxValues, top.maxValues.root ?? {});
  return { numRecords: rows.length, ...collected };
}
