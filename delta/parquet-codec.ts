import { readFile } from 'node:fs/promises';
import { parquetReadObjects, type ParquetParsers } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Column } from './columns.js';
import { parquetSchema } from './parquet-schema.js';
import { DeltaRecordError, type DeltaErrorContext } from './errors.js';
import { compileColumnEncoders, ValueMisfit, type ColumnEncoder } from './row-encoding.js';
import { compileDecoder, type Decode } from './row-decoding.js';

/**
 * Parquet files of the table: typed rows → bytes with hyparquet-writer, bytes → typed rows with hyparquet.
 * Output is a pure function of the rows (no clock, no random, fixed `created_by`), so identical batches
 * give byte-identical files; the writer names files by their content hash on that basis.
 */

/** Rows per row group: large enough to compress well, small enough that a reader's memory stays bounded. */
const ROW_GROUP_ROWS = 100_000;
const CREATED_BY = 'weir delta (hyparquet-writer 0.17)';

/** Timestamps back as epoch milliseconds and dates as days, the typed form of Weir records. */
const parsers: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (millis: bigint) => Number(millis),
  timestampFromMicroseconds: (micros: bigint) => Number(micros / 1000n),
  timestampFromNanoseconds: (nanos: bigint) => Number(nanos / 1_000_000n),
  dateFromDays: (days: number) => days,
};

export class ParquetCodec {
  private readonly encoders: ColumnEncoder[];
  private readonly decoders: { name: string; decode: Decode }[];
  private readonly schema;

  constructor(readonly columns: readonly Column[]) {
    this.encoders = compileColumnEncoders(columns);
    this.decoders = columns.map((column) => ({ name: column.name, decode: compileDecoder(column.type) }));
    this.schema = parquetSchema(columns);
  }

  /**
   * Encodes typed rows. A value that does not fit throws a DeltaRecordError naming the field and, through
   * `origin`, the record (its topic, partition and offset).
   */
  encode(rows: readonly Record<string, unknown>[], origin: (index: number) => DeltaErrorContext = () => ({})): Uint8Array {
    const columnData = this.encoders.map(({ name, encode }) => {
      const data = new Array<unknown>(rows.length);
      for (let i = 0; i < rows.length; i++) {
        try {
          data[i] = encode(rows[i]![name], name);
        } catch (error) {
          if (!(error instanceof ValueMisfit)) throw error;
          const context = { ...origin(i), field: error.field };
          const where = context.topic === undefined ? `row ${i}` : `record ${context.topic}/${context.partition}@${context.offset}`;
          throw new DeltaRecordError(`${where}: ${error.message}`, { context });
        }
      }
      return { name, data };
    });
    const buffer = parquetWriteBuffer({ schema: this.schema, columnData, codec: 'SNAPPY', rowGroupSize: ROW_GROUP_ROWS, createdBy: CREATED_BY });
    return new Uint8Array(buffer);
  }

  /** Typed rows of a Parquet file written for these columns (columns it lacks read as null). */
  async readFile(path: string): Promise<Record<string, unknown>[]> {
    const bytes = await readFile(path);
    return this.decode(bytes);
  }

  async decode(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const raw = await parquetReadObjects({ file, parsers, utf8: false });
    return raw.map((row) => {
      const out: Record<string, unknown> = {};
      for (const { name, decode } of this.decoders) out[name] = decode(row[name]);
      return out;
    });
  }
}
