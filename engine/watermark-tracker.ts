/**
 * A task's event-time watermark: the time before which it expects no more records. The watermark a record sees is
 * computed from the records before it in its partition — the largest event time so far less `maxOutOfOrdernessMs` —
 * and never moves back. It is saved with the partition's checkpoint, so a restart or a move to another worker
 * resumes from it. With `idleTimeoutMs`, a partition that receives nothing for that long lets event time follow the
 * clock: the watermark advances by the processing time that passed since the last record.
 */
export interface WatermarkOptions {
  readonly maxOutOfOrdernessMs: number;
  /** Off when undefined. */
  readonly idleTimeoutMs: number | undefined;
}

export class WatermarkTracker {
  private committed: number;
  private maxEventTime = Number.NEGATIVE_INFINITY;
  /** Wall-clock time of the last record (or of the start): the base of idle advancement. */
  private lastArrival: number;

  constructor(
    private readonly options: WatermarkOptions,
    initial: number | undefined,
    now: number,
  ) {
    this.committed = initial ?? Number.NEGATIVE_INFINITY;
    // After a restart, the largest event time is at least what the saved watermark implies.
    if (initial !== undefined) this.maxEventTime = initial + options.maxOutOfOrdernessMs;
    this.lastArrival = now;
  }

  /** The committed watermark (what the last committed batch reached). */
  get value(): number {
    return this.committed;
  }

  /**
   * The watermarks a batch's records see, in order, and the one the batch ends with. Nothing changes until
   * `commit(end)`: an aborted batch leaves the tracker as it was.
   */
  advance(eventTimes: readonly number[], now: number): { seen: number[]; end: number } {
    let watermark = this.idleAdvanced(now);
    let max = this.maxEventTime;
    const seen = new Array<number>(eventTimes.length);
    for (let index = 0; index < eventTimes.length; index++) {
      seen[index] = watermark;
      const time = eventTimes[index] as number;
      if (time > max) max = time;
      const candidate = max - this.options.maxOutOfOrdernessMs;
      if (candidate > watermark) watermark = candidate;
    }
    return { seen, end: watermark };
  }

  /** Makes a committed batch's watermark and event times the tracker's. */
  commit(end: number, eventTimes: readonly number[], now: number): void {
    if (end > this.committed) this.committed = end;
    for (const time of eventTimes) if (time > this.maxEventTime) this.maxEventTime = time;
    if (eventTimes.length > 0) this.lastArrival = now;
  }

  /** The watermark with idle advancement applied at `now` (no records since `lastArrival`). */
  idleAdvanced(now: number): number {
    const idle = this.options.idleTimeoutMs;
    if (idle === undefined || now - this.lastArrival < idle || this.maxEventTime === Number.NEGATIVE_INFINITY) return this.committed;
    return Math.max(this.committed, this.maxEventTime + (now - this.lastArrival) - this.options.maxOutOfOrdernessMs);
  }
}
