import { Observable, type OperatorFunction } from 'rxjs';
import type { Envelope } from '../contracts/envelope.js';
import { errorMessage, WeirError } from '../contracts/errors.js';
import type { OperatorContext } from '../contracts/operator.js';

/**
 * Shared machinery for async operators (model inference, database writes): runs `project` on up to
 * `concurrency` records at once, never two of the same key at once, so each key's results come out in its
 * input order; records of different keys may overtake each other. Completes once the input has completed
 * and every call has settled.
 *
 * A failure errors the stream (the engine retries the batch, or isolates its records one by one), unless
 * `isolate` takes it: then that record alone is dropped from the output — the operator has sent it to
 * `rejected` with `ctx.reject` — and the others go on, so nothing is computed twice.
 *
 * @example
 * create: (config, ctx) => mapAsyncByKey((envelope) => envelope.key, (envelope) => embed(envelope), config.concurrency, rejectUnlessRetriable(ctx))
 */
export function mapAsyncByKey<In, Out>(
  keyOf: (value: In) => string | null,
  project: (value: In) => Promise<Out>,
  concurrency: number,
  isolate?: (value: In, error: unknown) => boolean,
): OperatorFunction<In, Out> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  return (source) =>
    new Observable<Out>((subscriber) => {
      /** Per key, its records not started yet, in input order. */
      const pending = new Map<string | null, In[]>();
      /** Keys with a call in flight. */
      const busy = new Set<string | null>();
      /** Keys that are idle and have pending records, first come first served; each key at most once. */
      const runnable: (string | null)[] = [];
      let active = 0;
      let inputDone = false;
      let stopped = false;

      const pump = (): void => {
        while (!stopped && active < concurrency && runnable.length > 0) {
          const key = runnable.shift() as string | null;
          const queue = pending.get(key) as In[];
          const value = queue.shift() as In;
          if (queue.length === 0) pending.delete(key);
          busy.add(key);
          active++;
          project(value).then(
            (result) => {
              if (stopped) return;
              active--;
              busy.delete(key);
              if (pending.has(key)) runnable.push(key);
              subscriber.next(result);
              pump();
            },
            (error: unknown) => {
              if (stopped) return;
              if (isolate?.(value, error) === true) {
                active--;
                busy.delete(key);
                if (pending.has(key)) runnable.push(key);
                pump();
                return;
              }
              stopped = true;
              subscriber.error(error);
            },
          );
        }
        if (!stopped && inputDone && active === 0 && runnable.length === 0) subscriber.complete();
      };

      const subscription = source.subscribe({
        next: (value) => {
          const key = keyOf(value);
          const queue = pending.get(key);
          if (queue !== undefined) queue.push(value);
          else {
            pending.set(key, [value]);
            if (!busy.has(key)) runnable.push(key);
          }
          pump();
        },
        error: (error: unknown) => {
          stopped = true;
          subscriber.error(error);
        },
        complete: () => {
          inputDone = true;
          pump();
        },
      });
      return () => {
        stopped = true;
        subscription.unsubscribe();
      };
    });
}

/**
 * The usual `isolate` of `mapAsyncByKey`: a record whose call failed for a reason of its own goes to `rejected` with
 * the error; an infrastructure failure (marked retriable) fails the batch, which is retried.
 */
export function rejectUnlessRetriable(ctx: Pick<OperatorContext<unknown>, 'reject'>): (envelope: Envelope<unknown>, error: unknown) => boolean {
  return (envelope, error) => {
    if (error instanceof WeirError && error.retriable) return false;
    ctx.reject(envelope, { reason: 'operator-error', error: errorMessage(error) });
    return true;
  };
}
