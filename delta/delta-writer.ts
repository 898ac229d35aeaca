import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ENGINE_INFO, WRITER_PROTOCOL, checkProtocol, type Action, type AddFile, type Metadata } from './actions.js';
import { planAppend, type AppendPlan, type PartitionPosition, type SinkRecord } from './append-plan.js';
import { avroRecordColumns, avroRecordName } from './avro-mapping.js';
import { schemaString } from './columns.js';
import { commitWithRetry, nextCommitTimestamp } from './commit.js';
import { maxEventTime, writeDataFile } from './data-files.js';
import { DeltaTable } from './delta-table.js';
import { DeltaSchemaError } from './errors.js';
import { ParquetCodec } from './parquet-codec.js';
import type { Snapshot } from './snapshot.js';
import { partitionDirectory, tableLayout, uriToPath, type TableLayout } from './table-layout.js';

/**
 * The exactly-once writer behind the `delta` sink. Each append writes the batch's rows as Parquet files and
 * commits them together with one `txn` action per input partition (appId `<sink-id>.<topic>.<partition>`,
 * version = next Kafka offset). The sink then commits its Kafka offsets. After any crash it resumes from
 * `resumeOffset` — the positions the table itself recorded — so:
 * - a crash after the data files but before the commit leaves unreferenced files (vacuum removes them) and
 *   no rows: the batch is read again and written again (same rows → same file names and bytes);
 * - a crash after the commit but before the Kafka offset commit re-reads records that `append` recognises
 *   as already committed (offset below the txn version) and skips.
 * Concurrent writers (a zombie owner of a partition, other partitions' writers) race on creating the next
 * log version; the loser re-plans against the winner's transactions, never writing a row twice.
 */

export interface DeltaWriterOptions {
  /** Table root directory (created with the first commit). */
  readonly table: string;
  /** The sink's application id: prefixes every transaction appId. */
  readonly sinkId: string;
  /** The Avro record schema of the topic's values (parsed `.avsc` JSON). */
  readonly avroSchema: unknown;
  /** Partition columns; default `['tenant', 'kind', 'date']` (see table-layout.ts). */
  readonly partitionBy?: readonly string[];
  /** Event-time field (epoch ms) for `date` and the deterministic timestamps; default `event_time`. */
  readonly eventTimeField?: string;
  /** Most rows in one data file; a partition's rows beyond it go to further files. Default 1,000,000. */
  readonly maxRowsPerFile?: number;
  /** `metaData.name` of a new table; default the sink id. */
  readonly tableName?: string;
}

export interface AppendResult {
  /** The version committed, or undefined when every record was already in the table. */
  readonly version: number | undefined;
  readonly rowsWritten: number;
  /** Records found already committed (replayed after a crash, or written by a concurrent owner). */
  readonly rowsSkipped: number;
  /** Log paths of the data files added. */
  readonly files: readonly string[];
  /** Next offset per input partition: commit these to Kafka once `append` has returned. */
  readonly positions: readonly PartitionPosition[];
  /** Commit attempts (more than 1 under contention). */
  readonly attempts: number;
  /** Set when the checkpoint due after this version failed; the append itself is committed. Worth a warning. */
  readonly checkpointError?: Error;
}

/** A batch whose data files are written but not committed. */
export interface PreparedAppend {
  readonly records: readonly SinkRecord[];
  readonly covered: readonly PartitionPosition[];
  readonly written: { readonly plan: AppendPlan; readonly adds: readonly AddFile[] };
}

const DEFAULT_MAX_ROWS_PER_FILE = 1_000_000;

/** A name-based (version 5 layout) UUID: the table id is a function of what the table is, not of the clock. */
function nameUuid(name: string): string {
  const hex = createHash('sha1').update(name).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export class DeltaWriter {
  private constructor(
    private readonly table: DeltaTable,
    private readonly options: DeltaWriterOptions,
    private readonly layout: TableLayout,
    private readonly codec: ParquetCodec,
    private readonly metadata: Metadata,
  ) {}

  /** Opens (or prepares to create) the table and checks an existing one has the same schema and partitioning. */
  static async open(options: DeltaWriterOptions): Promise<DeltaWriter> {
    const layout = tableLayout(avroRecordColumns(options.avroSchema), {
      partitionBy: options.partitionBy,
      eventTimeField: options.eventTimeField,
      kind: avroRecordName(options.avroSchema),
    });
    const schema = schemaString(layout.columns);
    const name = options.tableName ?? options.sinkId;
    const metadata: Metadata = {
      id: nameUuid(`weir-delta\u0000${name}\u0000${schema}\u0000${layout.partitionColumns.join('\u0000')}`),
      name,
      format: { provider: 'parquet', options: {} },
      schemaString: schema,
      partitionColumns: [...layout.partitionColumns],
      configuration: {},
    };
    const table = await DeltaTable.openOrEmpty(options.table);
    const writer = new DeltaWriter(table, options, layout, new ParquetCodec(layout.dataColumns), metadata);
    writer.checkCompatible(table.snapshot);
    return writer;
  }

  /** The table this writer appends to (its latest loaded state). */
  get deltaTable(): DeltaTable {
    return this.table;
  }

  /**
   * Where the sink resumes a partition: the next offset the table recorded for it, or undefined when the
   * table holds nothing of that partition (then the consumer group's committed offset applies).
   */
  async resumeOffset(topic: string, partition: number): Promise<number | undefined> {
    await this.table.refresh();
    return this.table.lastTxnVersion(`${this.options.sinkId}.${topic}.${partition}`);
  }

  /**
   * Appends a batch exactly once: `prepare`, then `commit`. `records` are in offset order within each
   * partition; `covered` may move a partition's position past its last record (e.g. after transaction markers).
   */
  async append(records: readonly SinkRecord[], covered: readonly PartitionPosition[] = []): Promise<AppendResult> {
    return this.commit(await this.prepare(records, covered));
  }

  /**
   * Writes the data files of the records not yet in the table (as of its latest version), without
   * committing them. Until `commit`, the files are invisible to readers; if the process dies here they are
   * orphans for vacuum, and nothing of the batch is in the table.
   */
  async prepare(records: readonly SinkRecord[], covered: readonly PartitionPosition[] = []): Promise<PreparedAppend> {
    const snapshot = await this.table.refresh();
    this.checkCompatible(snapshot);
    const plan = planAppend(this.options.sinkId, records, snapshot.txns, covered);
    const adds = plan.records.length === 0 ? [] : await this.writeFiles(plan);
    return { records, covered, written: { plan, adds } };
  }

  /**
   * Commits a prepared append. When another writer committed first, the batch is planned again against
   * its transactions: records it already wrote are dropped (their files rewritten without them), and when
   * none is left the append commits nothing.
   */
  async commit(prepared: PreparedAppend): Promise<AppendResult> {
    let written = prepared.written;
    const committed = await commitWithRetry(this.table, async (snapshot) => {
      this.checkCompatible(snapshot);
      const plan = planAppend(this.options.sinkId, prepared.records, snapshot.txns, prepared.covered);
      if (plan.key !== written.plan.key) written = { plan, adds: plan.records.length === 0 ? [] : await this.writeFiles(plan) };
      if (plan.records.length === 0) return { skip: undefined };
      return { actions: this.commitActions(snapshot, plan, written.adds), result: undefined };
    });
    if (committed.version !== undefined && (await this.anyMissing(written.adds))) await this.writeFiles(written.plan);
    const rowsWritten = committed.version === undefined ? 0 : written.plan.records.length;
    return {
      version: committed.version,
      rowsWritten,
      rowsSkipped: prepared.records.length - rowsWritten,
      files: committed.version === undefined ? [] : written.adds.map((add) => add.path),
      positions: written.plan.positions,
      attempts: committed.attempts,
      ...(committed.checkpointError ? { checkpointError: committed.checkpointError } : {}),
    };
  }

  /**
   * Whether a committed file is gone: a vacuum that judged an earlier, crashed attempt's file under the same
   * name an orphan can delete it just as this writer rewrites it. The same plan rewrites the same bytes.
   */
  private async anyMissing(adds: readonly AddFile[]): Promise<boolean> {
    for (const add of adds) {
      if (!(await stat(join(this.options.table, uriToPath(add.path))).catch(() => undefined))) return true;
    }
    return false;
  }

  private checkCompatible(snapshot: Snapshot): void {
    if (snapshot.version < 0) return;
    checkProtocol(snapshot.protocol!, 'write', this.options.table);
    const meta = snapshot.meta;
    if (meta.schemaString !== this.metadata.schemaString || meta.partitionColumns.join('\u0000') !== this.metadata.partitionColumns.join('\u0000')) {
      throw new DeltaSchemaError(
        `table ${this.options.table} has a different schema or partitioning than this sink's Avro schema gives (schema evolution is not supported): ` +
          `table partitions by ${JSON.stringify(meta.partitionColumns)}, the sink by ${JSON.stringify(this.metadata.partitionColumns)}`,
        { context: { table: this.options.table, version: snapshot.version } },
      );
    }
  }

  /**
   * Groups the plan's rows by partition and writes each group (split at maxRowsPerFile). Files are encoded one
   * after the other and written concurrently, so their fsyncs overlap.
   */
  private async writeFiles(plan: AppendPlan): Promise<AddFile[]> {
    const groups = new Map<string, { values: Record<string, string | null>; indexes: number[] }>();
    plan.records.forEach((record, i) => {
      const values = this.layout.partitionValues(record.value);
      const key = Object.values(values).join('\u0000');
      const group = groups.get(key) ?? groups.set(key, { values, indexes: [] }).get(key)!;
      group.indexes.push(i);
    });
    const limit = this.options.maxRowsPerFile ?? DEFAULT_MAX_ROWS_PER_FILE;
    const ordered = [...groups.values()].map((group) => ({ ...group, directory: partitionDirectory(this.layout.partitionColumns, group.values) }));
    ordered.sort((a, b) => (a.directory < b.directory ? -1 : a.directory > b.directory ? 1 : 0));
    const writes: Promise<AddFile>[] = [];
    for (const group of ordered) {
      for (let start = 0; start < group.indexes.length; start += limit) {
        const indexes = group.indexes.slice(start, start + limit);
        const rows = indexes.map((i) => plan.records[i]!.value);
        const first = plan.records[indexes[0]!]!;
        writes.push(
          writeDataFile(this.codec, {
            root: this.options.table,
            partitionColumns: this.layout.partitionColumns,
            partitionValues: group.values,
            rows,
            salt: `${plan.key}|${first.topic}/${first.partition}@${plan.offsets[indexes[0]!]}`,
            modificationTime: maxEventTime(rows, this.layout.eventTimeField) ?? 0,
            dataChange: true,
            origin: (i) => {
              const record = plan.records[indexes[i]!]!;
              return { table: this.options.table, topic: record.topic, partition: record.partition, offset: plan.offsets[indexes[i]!] };
            },
          }),
        );
      }
    }
    // Every write settles before a failure is reported, so none is still running when the caller gives up.
    const settled = await Promise.allSettled(writes);
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((result) => (result as PromiseFulfilledResult<AddFile>).value);
  }

  private commitActions(snapshot: Snapshot, plan: AppendPlan, adds: readonly AddFile[]): Action[] {
    const timestamp = nextCommitTimestamp(snapshot, adds.reduce<number | undefined>((max, add) => (max === undefined || add.modificationTime > max ? add.modificationTime : max), undefined));
    const bytes = adds.reduce((sum, add) => sum + add.size, 0);
    const actions: Action[] = [
      {
        commitInfo: {
          timestamp,
          operation: 'STREAMING UPDATE',
          operationParameters: { outputMode: 'Append', queryId: this.options.sinkId },
          ...(snapshot.version >= 0 ? { readVersion: snapshot.version } : {}),
          isBlindAppend: true,
          operationMetrics: { numAddedFiles: String(adds.length), numOutputRows: String(plan.records.length), numOutputBytes: String(bytes) },
          engineInfo: ENGINE_INFO,
        },
      },
    ];
    if (snapshot.version < 0) actions.push({ protocol: WRITER_PROTOCOL }, { metaData: { ...this.metadata, createdTime: timestamp } });
    for (const txn of plan.txns) actions.push({ txn: { appId: txn.appId, version: txn.version, lastUpdated: timestamp } });
    for (const add of adds) actions.push({ add });
    return actions;
  }
}
