/**
 * @platformatic/kafka declares Node >= 22 and calls Promise.withResolvers (Node 22); this is all it lacks on
 * Node 20 in the paths the benchmark runs. Import before the client.
 */
const promise = Promise as unknown as { withResolvers?: unknown };
promise.withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const settled = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise: settled, resolve, reject };
};
