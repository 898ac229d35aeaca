import type { EngineMetrics } from './metrics.js';

type Labels = Record<string, string>;

/** A counter increment held until its batch commits. */
interface PendingIncrement {
  readonly inc: (labels: Labels, value: number) => void;
  readonly labels: Labels;
  readonly value: number;
}

/**
 * What a batch counts — records into and out of each step, side outputs, rejections, operators' own counters — held
 * until the batch commits, so that a retried or isolated batch counts once.
 */
export class BatchTally {
  private readonly recordsIn = new Map<string, number>();
  /** step → output → records */
  private readonly recordsOut = new Map<string, Map<string, number>>();
  /** operator → reason → records ('' operator: the engine or a sink) */
  private readonly rejects = new Map<string, Map<string, number>>();
  private readonly increments: PendingIncrement[] = [];

  recordIn(step: string, count = 1): void {
    this.recordsIn.set(step, (this.recordsIn.get(step) ?? 0) + count);
  }

  recordOut(step: string, output: string, count = 1): void {
    add(nested(this.recordsOut, step), output, count);
  }

  reject(operator: string, reason: string, count = 1): void {
    add(nested(this.rejects, operator), reason, count);
  }

  increment(inc: (labels: Labels, value: number) => void, labels: Labels, value: number): void {
    this.increments.push({ inc, labels, value });
  }

  /** Adds another tally (a record isolated on its own) to this one. */
  merge(other: BatchTally): void {
    for (const [step, count] of other.recordsIn) this.recordIn(step, count);
    for (const [step, outputs] of other.recordsOut) for (const [output, count] of outputs) this.recordOut(step, output, count);
    for (const [operator, reasons] of other.rejects) for (const [reason, count] of reasons) this.reject(operator, reason, count);
    this.increments.push(...other.increments);
  }

  /** Counts everything in the worker's metrics: call once, after the batch committed. */
  commit(metrics: EngineMetrics, topology: string): void {
    for (const [operator, count] of this.recordsIn) metrics.recordsIn.inc({ topology, operator }, count);
    for (const [operator, outputs] of this.recordsOut) for (const [output, count] of outputs) metrics.recordsOut.inc({ topology, operator, output }, count);
    for (const [operator, reasons] of this.rejects) for (const [reason, count] of reasons) metrics.rejects.inc({ topology, operator, reason }, count);
    for (const { inc, labels, value } of this.increments) inc(labels, value);
  }
}

function nested(map: Map<string, Map<string, number>>, key: string): Map<string, number> {
  let inner = map.get(key);
  if (inner === undefined) map.set(key, (inner = new Map()));
  return inner;
}

function add(map: Map<string, number>, key: string, count: number): void {
  map.set(key, (map.get(key) ?? 0) + count);
}
