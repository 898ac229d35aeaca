import { engineKeyPrefix } from '../contracts/state.js';

/**
 * Timers of one step on one partition. A timer is (kind, time, key): at most one per triple. Timers are state — each
 * one a key of the step's keyed state, written and deleted in the batch that sets, cancels or fires it, so they are
 * exactly-once and restored like any state — and an in-memory index of the committed ones, loaded once per task from
 * the store, orders them for firing. A batch's own changes are staged and reach the index only when it commits.
 */

export type TimerKind = 'event-time' | 'processing-time';

export interface Timer {
  readonly kind: TimerKind;
  readonly time: number;
  readonly key: string;
}

/** The state key of a timer: a prefix no operator key starts with, then kind, time and the operator's key. */
export const timerKeyPrefix = `${engineKeyPrefix}timer\u0000`;

export function timerStateKey(timer: Timer): string {
  return `${timerKeyPrefix}${timer.kind}\u0000${timer.time}\u0000${timer.key}`;
}

export function parseTimerStateKey(stateKey: string): Timer | undefined {
  if (!stateKey.startsWith(timerKeyPrefix)) return undefined;
  const [kind, time, ...key] = stateKey.slice(timerKeyPrefix.length).split('\u0000');
  if ((kind !== 'event-time' && kind !== 'processing-time') || time === undefined) return undefined;
  return { kind, time: Number(time), key: key.join('\u0000') };
}

/** A batch's timer changes: set and removed (cancelled or fired) timers by state key. A fork stages on its own. */
export class StagedTimers {
  readonly set = new Map<string, Timer>();
  readonly removed = new Set<string>();

  constructor(private readonly parent?: StagedTimers) {}

  fork(): StagedTimers {
    return new StagedTimers(this);
  }

  add(timer: Timer): void {
    const id = timerStateKey(timer);
    this.removed.delete(id);
    this.set.set(id, timer);
  }

  remove(timer: Timer): void {
    const id = timerStateKey(timer);
    this.set.delete(id);
    this.removed.add(id);
  }

  /** Moves this fork's changes into its parent. */
  mergeIntoParent(): void {
    if (this.parent === undefined) throw new TypeError('mergeIntoParent on a root');
    for (const id of this.removed) this.parent.remove(parseTimerStateKey(id) as Timer);
    for (const timer of this.set.values()) this.parent.add(timer);
  }

  /** Whether this layer or an ancestor set (true) or removed (false) the timer; undefined when untouched. */
  state(id: string): boolean | undefined {
    if (this.set.has(id)) return true;
    if (this.removed.has(id)) return false;
    return this.parent?.state(id);
  }

  /** Timers set here or in an ancestor (and not removed since). */
  added(): Timer[] {
    const timers = new Map<string, Timer>();
    const collect = (layer: StagedTimers): void => {
      if (layer.parent !== undefined) collect(layer.parent);
      for (const [id, timer] of layer.set) timers.set(id, timer);
    };
    collect(this);
    return [...timers].filter(([id]) => this.state(id) === true).map(([, timer]) => timer);
  }
}

/** The committed timers of one step, ordered by time. */
export class TimerIndex {
  /** Sorted by time, then kind and key (as their state keys). */
  private timers: Timer[] = [];

  constructor(stateKeys: Iterable<string>) {
    for (const key of stateKeys) {
      const timer = parseTimerStateKey(key);
      if (timer !== undefined) this.timers.push(timer);
    }
    this.timers.sort(compareTimers);
  }

  get size(): number {
    return this.timers.length;
  }

  /** The earliest committed timer of a kind, for deciding whether an idle partition needs a tick. */
  earliest(kind: TimerKind): number | undefined {
    return this.timers.find((timer) => timer.kind === kind)?.time;
  }

  /** Timers due at `eventTime` (event-time ones) and `processingTime` (processing-time ones), committed or staged, in time order. */
  due(staged: StagedTimers, eventTime: number, processingTime: number): Timer[] {
    const isDue = (timer: Timer): boolean => timer.time <= (timer.kind === 'event-time' ? eventTime : processingTime);
    const due: Timer[] = [];
    for (const timer of this.timers) {
      if (timer.time > Math.max(eventTime, processingTime)) break;
      if (isDue(timer) && staged.state(timerStateKey(timer)) !== false) due.push(timer);
    }
    for (const timer of staged.added()) if (isDue(timer)) due.push(timer);
    return due.sort(compareTimers);
  }

  /** A committed batch's changes. */
  apply(staged: StagedTimers): void {
    if (staged.set.size === 0 && staged.removed.size === 0) return;
    const kept = this.timers.filter((timer) => !staged.removed.has(timerStateKey(timer)) && !staged.set.has(timerStateKey(timer)));
    this.timers = [...kept, ...staged.set.values()].sort(compareTimers);
  }
}

function compareTimers(a: Timer, b: Timer): number {
  return a.time - b.time || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
