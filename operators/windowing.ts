import { concat, concatMap, defer, from, mergeMap, type OperatorFunction } from 'rxjs';
import { z } from 'zod';
import type { Envelope } from '../contracts/envelope.js';
import type { FiredTimer, OperatorContext } from '../contracts/operator.js';
import { assignWindows, sessionsMerge, windowId, windowSpecSchema, type Window, type WindowSpec } from './window-assigner.js';

/**
 * Event-time windows on keyed state and timers, for operators to build on (counts, sums, drift windows). Per key, each
 * window keeps an accumulator in state. A window fires when the watermark passes its end: `on-close` emits its result
 * then; `on-update` also emits, at the end of every batch that changed it, an incremental record with the result so
 * far. Records for a window that fired but is still within `allowedLatenessMs` update it and emit again; its state is
 * dropped once the watermark passes end + lateness, and a record for a window past that goes to the `late` output with
 * the reason. Every emitted result carries a revision, so a consumer keeps the latest.
 */

export const windowingConfigSchema = z.strictObject({
  window: windowSpecSchema.default({ type: 'tumbling', sizeMs: 30_000 }),
  allowedLatenessMs: z.number().int().nonnegative().default(0).describe('How long after its end a window still takes records (they update it and emit again).'),
  emit: z.enum(['on-close', 'on-update']).default('on-close').describe('on-close: one result per window when it closes; on-update: also an incremental result per batch that changed it.'),
});

export type WindowingConfig = z.infer<typeof windowingConfigSchema>;

export interface WindowResult<A> {
  readonly key: string;
  readonly window: Window;
  readonly accumulator: A;
  /** 1 for the first emission of a window, then +1 each time it is emitted again. */
  readonly revision: number;
  /** True once the watermark has passed the window's end: later revisions only come from allowed-late records. */
  readonly closed: boolean;
}

export interface Aggregation<V, A, O> {
  /** The key records are grouped by within the partition. */
  keyOf(envelope: Envelope<V>): string;
  empty(): A;
  add(accumulator: A, envelope: Envelope<V>): A;
  /** Joins two sessions' accumulators (session windows only). */
  merge?(a: A, b: A): A;
  output(result: WindowResult<A>): O;
}

/** What a window keeps in state. */
interface WindowState<A> {
  readonly window: Window;
  accumulator: A;
  revision: number;
  closed: boolean;
}

const separator = '\u0000';
const stateKey = (key: string, window: Window): string => `w${separator}${key}${separator}${windowId(window)}`;
const sessionsKey = (key: string): string => `s${separator}${key}`;
/** Timer keys: what to do, for which window of which key. */
const timerKey = (phase: 'close' | 'purge', key: string, window: Window): string => `${phase}${separator}${windowId(window)}${separator}${key}`;

function parseTimerKey(timerKey: string): { phase: 'close' | 'purge'; key: string; window: Window } {
  const [phase, id, ...key] = timerKey.split(separator);
  const [start, end] = (id as string).split(/(?<=\d)-/).map(Number) as [number, number];
  return { phase: phase as 'close' | 'purge', key: key.join(separator), window: { start, end } };
}

/** A windowed aggregation as an RxJS operator over one partition's batches; it registers the instance's timer handler. */
export function windowedAggregate<V, A, O>(ctx: OperatorContext<unknown>, config: WindowingConfig, aggregation: Aggregation<V, A, O>): OperatorFunction<Envelope<V>, Envelope<O>> {
  const { window: spec, allowedLatenessMs, emit } = config;
  if (spec.type === 'session' && aggregation.merge === undefined) throw new TypeError('session windows need an aggregation with merge()');
  const store = new WindowStore<A>(ctx, spec);

  const result = (key: string, state: WindowState<A>, template: Pick<Envelope<unknown>, 'headers' | 'origin'>): Envelope<O> => ({
    key,
    value: aggregation.output({ key, window: state.window, accumulator: state.accumulator, revision: state.revision, closed: state.closed }),
    timestamp: state.window.end - 1,
    headers: { ...template.headers, 'weir.window': windowId(state.window), 'weir.window.revision': String(state.revision) },
    origin: template.origin,
  });

  ctx.onTimer(async (timer: FiredTimer) => {
    const { phase, key, window } = parseTimerKey(timer.key);
    const state = await store.get(key, window);
    if (state === undefined) return [];
    if (phase === 'purge') {
      await store.delete(key, state);
      return [];
    }
    state.closed = true;
    state.revision++;
    if (allowedLatenessMs === 0) await store.delete(key, state);
    else await store.put(key, state);
    return [result(key, state, { headers: {}, origin: { topic: '', partition: ctx.partition, offset: '' } })];
  });

  return (source) =>
    defer(() => {
      /** Windows this batch changed, for `on-update`: the last record that touched each one is the template. */
      const changed = new Map<string, { key: string; window: Window; template: Envelope<V> }>();
      const onRecord = async (envelope: Envelope<V>): Promise<Envelope<O>[]> => {
        const watermark = envelope.watermark ?? Number.NEGATIVE_INFINITY;
        const key = aggregation.keyOf(envelope);
        const windows = assignWindows(spec, envelope.timestamp);
        const open = windows.filter((window) => window.end + allowedLatenessMs > watermark);
        if (open.length === 0) {
          const last = windows[windows.length - 1] as Window;
          ctx.emit('late', {
            ...envelope,
            headers: { ...envelope.headers, 'weir.reason': 'late', 'weir.error': `event time ${envelope.timestamp} is in window ${windowId(last)}, closed at watermark ${watermark} (allowed lateness ${allowedLatenessMs} ms)`, 'weir.operator': ctx.operator },
          });
          return [];
        }
        const emitted: Envelope<O>[] = [];
        for (const window of open) {
          const state = spec.type === 'session' ? await store.mergeSession(key, window, aggregation as Required<Aggregation<V, A, O>>) : ((await store.get(key, window)) ?? store.create(key, window, aggregation.empty()));
          state.accumulator = aggregation.add(state.accumulator, envelope);
          if (state.closed) {
            // An allowed-late record: the window fired already, so it fires again now.
            state.revision++;
            emitted.push(result(key, state, envelope));
          } else if (emit === 'on-update') changed.set(stateKey(key, state.window), { key, window: state.window, template: envelope });
          await store.put(key, state);
          if (!state.closed) ctx.timers.atEventTime(timerKey('close', key, state.window), state.window.end);
          if (allowedLatenessMs > 0) ctx.timers.atEventTime(timerKey('purge', key, state.window), state.window.end + allowedLatenessMs);
        }
        return emitted;
      };
      const flushUpdates = async (): Promise<Envelope<O>[]> => {
        const updates: Envelope<O>[] = [];
        for (const { key, window, template } of changed.values()) {
          const state = await store.get(key, window);
          if (state === undefined || state.closed) continue;
          state.revision++;
          await store.put(key, state);
          updates.push(result(key, state, template));
        }
        return updates;
      };
      return concat(source.pipe(concatMap(onRecord)), defer(() => from(flushUpdates()))).pipe(mergeMap((records) => records));
    });
}

/** Window states in the operator's keyed state. */
class WindowStore<A> {
  constructor(
    private readonly ctx: OperatorContext<unknown>,
    private readonly spec: WindowSpec,
  ) {}

  create(_key: string, window: Window, accumulator: A): WindowState<A> {
    return { window, accumulator, revision: 0, closed: false };
  }

  async get(key: string, window: Window): Promise<WindowState<A> | undefined> {
    if (this.spec.type !== 'session') return this.ctx.state.get<WindowState<A>>(stateKey(key, window));
    return (await this.sessions(key)).find((session) => session.window.start === window.start && session.window.end === window.end);
  }

  async put(key: string, state: WindowState<A>): Promise<void> {
    if (this.spec.type !== 'session') return this.ctx.state.put(stateKey(key, state.window), state);
    const sessions = await this.sessions(key);
    this.ctx.state.put(sessionsKey(key), [...sessions.filter((other) => other.window.start !== state.window.start), state]);
  }

  async delete(key: string, state: WindowState<A>): Promise<void> {
    if (this.spec.type !== 'session') return this.ctx.state.delete(stateKey(key, state.window));
    const left = (await this.sessions(key)).filter((other) => other.window.start !== state.window.start);
    if (left.length === 0) this.ctx.state.delete(sessionsKey(key));
    else this.ctx.state.put(sessionsKey(key), left);
  }

  /** The session a record's own window joins: overlapping sessions merge into one, their timers moved. */
  async mergeSession<V, O>(key: string, window: Window, aggregation: Required<Aggregation<V, A, O>>): Promise<WindowState<A>> {
    const sessions = await this.sessions(key);
    const touching = sessions.filter((session) => !session.closed && sessionsMerge(session.window, window));
    let merged: WindowState<A> = { window, accumulator: aggregation.empty(), revision: 0, closed: false };
    for (const session of touching) {
      merged = { window: { start: Math.min(merged.window.start, session.window.start), end: Math.max(merged.window.end, session.window.end) }, accumulator: aggregation.merge(merged.accumulator, session.accumulator), revision: Math.max(merged.revision, session.revision), closed: false };
      this.ctx.timers.cancelEventTime(timerKey('close', key, session.window), session.window.end);
    }
    const others = sessions.filter((session) => !touching.includes(session));
    this.ctx.state.put(sessionsKey(key), [...others, merged]);
    return merged;
  }

  private async sessions(key: string): Promise<WindowState<A>[]> {
    return (await this.ctx.state.get<WindowState<A>[]>(sessionsKey(key))) ?? [];
  }
}
