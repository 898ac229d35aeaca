/**
 * The watermark of a task that reads a repartition topic: every upstream partition writes its watermark to every
 * repartition partition after each of its commits (a watermark record, in the same transaction, after its data), and
 * the downstream watermark is the minimum over the upstream partitions — one that has not reported yet holds it back,
 * as in Flink. Each upstream partition's value only moves forward.
 */
export class UpstreamWatermarks {
  private readonly latest: Map<number, number>;

  constructor(
    private readonly upstreamPartitions: number,
    initial: Readonly<Record<string, number>> = {},
  ) {
    this.latest = new Map(Object.entries(initial).map(([partition, watermark]) => [Number(partition), watermark]));
  }

  observe(upstream: number, watermark: number): void {
    if (watermark > (this.latest.get(upstream) ?? Number.NEGATIVE_INFINITY)) this.latest.set(upstream, watermark);
  }

  get value(): number {
    let min = Number.POSITIVE_INFINITY;
    for (let partition = 0; partition < this.upstreamPartitions; partition++) min = Math.min(min, this.latest.get(partition) ?? Number.NEGATIVE_INFINITY);
    return min;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.latest].sort(([a], [b]) => a - b));
  }

  copy(): UpstreamWatermarks {
    return new UpstreamWatermarks(this.upstreamPartitions, this.snapshot());
  }
}
