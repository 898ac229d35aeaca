import { Observable, type OperatorFunction } from 'rxjs';

/**
 * Shared machinery for async operators (model inference, database writes): runs `project` on up to
 * `concurrency` records at once, never two of the same key at once, so each key's results come out in its
 * input order; records of different keys may overtake each other. Completes once the input has completed
 * and every call has settled; the first failure errors the stream (the engine then isolates the record).
 *
 * @example
 * create: (config, ctx) => mapAsyncByKey((envelope) => envelope.key, (envelope) => embed(envelope), config.concurrency)
 */
export function mapAsyncByKey<In, Out>(keyOf: (value: In) => string | null, project: (value: In) => Promise<Out>, concurrency: number): OperatorFunction<In, Out> {
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
