import { isUtf8 } from 'node:buffer';
import type { SchemaNode } from './schema-tree.js';
import { WireFormatError } from '../contracts/errors.js';

/**
 * Decodes Avro binary into plain values (records as plain objects, bytes as Buffer views of the input),
 * checking every length, count and index against the bytes actually there. avsc's own decoder trusts
 * array block counts: a 16-byte record claiming 2^26 items costs it seconds and a gigabyte; here a count
 * larger than the bytes left is rejected at once (every item takes at least one byte, see schema-tree.ts).
 */
export type AvroReader = (buffer: Buffer, offset: number) => unknown;

interface Cursor {
  readonly buffer: Buffer;
  pos: number;
}

type Read = (cursor: Cursor) => unknown;

/** A reader of one value that must end exactly at the end of the buffer. */
export function compileReader(node: SchemaNode): AvroReader {
  const read = compile(node);
  return (buffer, offset) => {
    const cursor: Cursor = { buffer, pos: offset };
    try {
      const value = read(cursor);
      if (cursor.pos !== buffer.length) throw new WireFormatError('malformed', `${buffer.length - cursor.pos} bytes left after the end of the record`);
      return value;
    } catch (error) {
      if (error instanceof WireFormatError) error.message = `${error.problem}${error.field === undefined ? '' : ` at ${error.field}`}: ${error.message}`;
      throw error;
    }
  };
}

function compile(node: SchemaNode): Read {
  switch (node.kind) {
    case 'null':
      return () => null;
    case 'boolean':
      return readBoolean;
    case 'int':
      return readInt;
    case 'long':
      return readLong;
    case 'float':
      return (cursor) => cursor.buffer.readFloatLE(advance(cursor, 4));
    case 'double':
      return (cursor) => cursor.buffer.readDoubleLE(advance(cursor, 8));
    case 'string':
      return readString;
    case 'bytes':
      return (cursor) => {
        const start = advance(cursor, readLength(cursor));
        return cursor.buffer.subarray(start, cursor.pos);
      };
    case 'enum': {
      const { symbols } = node;
      return (cursor) => symbols[readIndex(cursor, symbols.length, 'enum symbol')];
    }
    case 'nullable': {
      const read = compile(node.type);
      return (cursor) => (readIndex(cursor, 2, 'union branch') === 0 ? null : read(cursor));
    }
    case 'array':
      return arrayReader(compile(node.items));
    case 'record':
      return recordReader(node.fields.map((field) => field.name), node.fields.map((field) => compile(field.type)));
  }
}

function arrayReader(readItem: Read): Read {
  return (cursor) => {
    const items: unknown[] = [];
    try {
      for (let count = readLong(cursor); count !== 0; count = readLong(cursor)) {
        if (count < 0) {
          count = -count;
          readLength(cursor); // the block's size in bytes, which a reader may use to skip it
        }
        const left = cursor.buffer.length - cursor.pos;
        if (count > left) throw new WireFormatError('truncated', `an array block claims ${count} items but only ${left} bytes are left`);
        for (let index = 0; index < count; index++) items.push(readItem(cursor));
      }
    } catch (error) {
      if (error instanceof WireFormatError) error.path.unshift(items.length);
      throw error;
    }
    return items;
  };
}

function recordReader(names: readonly string[], reads: readonly Read[]): Read {
  return (cursor) => {
    const record: Record<string, unknown> = {};
    let index = 0;
    try {
      for (; index < reads.length; index++) record[names[index] as string] = (reads[index] as Read)(cursor);
    } catch (error) {
      if (error instanceof WireFormatError) error.path.unshift(names[index] as string);
      throw error;
    }
    return record;
  };
}

/** Moves the cursor past `length` bytes and returns where they start. */
function advance(cursor: Cursor, length: number): number {
  const start = cursor.pos;
  if (start + length > cursor.buffer.length) throw new WireFormatError('truncated', `needs ${length} more byte${length === 1 ? '' : 's'}, ${cursor.buffer.length - start} left`);
  cursor.pos = start + length;
  return start;
}

function readBoolean(cursor: Cursor): boolean {
  const byte = cursor.buffer[advance(cursor, 1)] as number;
  if (byte > 1) throw new WireFormatError('malformed', `a boolean is byte 0 or 1, found ${byte}`);
  return byte === 1;
}

function readInt(cursor: Cursor): number {
  const value = readLong(cursor);
  if (value < -0x80000000 || value > 0x7fffffff) throw new WireFormatError('malformed', `int ${value} is outside 32 bits`);
  return value;
}

function readString(cursor: Cursor): string {
  const start = advance(cursor, readLength(cursor));
  const { buffer, pos: end } = cursor;
  // Most strings are ASCII (ids, tenants, URIs): a byte scan is cheaper than a UTF-8 validation call.
  for (let index = start; index < end; index++) {
    if ((buffer[index] as number) > 0x7f) {
      if (!isUtf8(buffer.subarray(start, end))) throw new WireFormatError('malformed', 'a string is not valid UTF-8');
      return buffer.toString('utf8', start, end);
    }
  }
  return buffer.toString('latin1', start, end);
}

function readLength(cursor: Cursor): number {
  const length = readLong(cursor);
  if (length < 0) throw new WireFormatError('malformed', `negative length ${length}`);
  return length;
}

function readIndex(cursor: Cursor, size: number, what: string): number {
  const index = readLong(cursor);
  if (index < 0 || index >= size) throw new WireFormatError('malformed', `${what} index ${index} is out of range (0..${size - 1})`);
  return index;
}

/** The largest long avsc accepts as a number, so the JSON and the binary forms agree. */
const maxLong = 9_007_199_254_740_990n;

/** Zigzag varint. Up to 7 bytes (49 bits) in plain arithmetic; longer ones through BigInt, which checks the range. */
function readLong(cursor: Cursor): number {
  const start = cursor.pos;
  let byte = cursor.buffer[advance(cursor, 1)] as number;
  let value = byte & 0x7f;
  let scale = 128;
  for (let length = 1; byte & 0x80; length++) {
    if (length === 7) return readBigLong(cursor, start);
    byte = cursor.buffer[advance(cursor, 1)] as number;
    value += (byte & 0x7f) * scale;
    scale *= 128;
  }
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

function readBigLong(cursor: Cursor, start: number): number {
  cursor.pos = start;
  let value = 0n;
  let byte: number;
  let shift = 0n;
  do {
    if (shift === 70n) throw new WireFormatError('malformed', 'a varint is longer than 10 bytes');
    byte = cursor.buffer[advance(cursor, 1)] as number;
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
  } while (byte & 0x80);
  const decoded = (value >> 1n) ^ -(value & 1n);
  if (decoded > maxLong || decoded < -maxLong) throw new WireFormatError('malformed', `long ${decoded} is outside ±(2^53 − 2), the range Weir's numbers hold`);
  return Number(decoded);
}
