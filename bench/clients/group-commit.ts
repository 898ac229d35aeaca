import type { Routed } from './route-edge-event.js';

/**
 * One transaction for whatever was handed in since the previous commit began: with KIP-447 a single
 * transactional producer serves all of a worker's input partitions, so batches of different partitions that
 * arrive while a commit is in flight share the next one (as Kafka Streams does per commit interval).
 * `submit` resolves when the batch is committed; a failed commit rejects every batch in it.
 */
export class GroupCommitter<Position> {
  private pending: { routed: Routed[]; positions: Position[]; settle: (error?: unknown) => void }[] = [];
  private flushing = false;

  constructor(private readonly commit: (routed: Routed[], positions: Position[]) => Promise<void>) {}

  /** Records waiting for the next commit. */
  get backlog(): number {
    return this.pending.reduce((sum, batch) => sum + batch.routed.length, 0);
  }

  submit(routed: Routed[], positions: Position[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ routed, positions, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) {
      const batches = this.pending;
      this.pending = [];
      try {
        await this.commit(
          batches.flatMap((batch) => batch.routed),
          batches.flatMap((batch) => batch.positions),
        );
        for (const batch of batches) batch.settle();
      } catch (error) {
        for (const batch of batches) batch.settle(error);
      }
    }
    this.flushing = false;
  }
}
