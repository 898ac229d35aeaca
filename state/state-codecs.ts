import { endianness } from 'node:os';
import { StateValueError } from '../contracts/errors.js';
import type { StateCodec } from '../contracts/state-codec.js';

/**
 * The state codecs operators choose from (`stateCodec` of an operator definition). Every encoded value starts with one
 * byte: the codec's version, the version of the value's shape. A value of another version is read through the codec's
 * `upgrade` for that version, or fails with an error naming the codec and both versions.
 *
 * - `jsonCodec` (the default): the version byte, then UTF-8 JSON.
 * - `binaryCodec`: JSON-like values holding Buffers and typed arrays anywhere, restored with their exact types.
 * - `stateCodec(...)`: a codec of an operator's own (e.g. a fixed binary layout), the version byte added and checked.
 */

/** How a codec reads values older versions wrote: per old version, a function to the current shape. */
export type Upgrades<From, V> = Readonly<Record<number, (old: From) => V>>;

export interface VersionOptions<V> {
  /** The version of the value's shape, 0–255; 1 when absent. */
  readonly version?: number;
  readonly upgrade?: Upgrades<unknown, V>;
}

/** JSON after the version byte. Like JSON itself, it keeps no Buffer or typed array (use `binaryCodec`). */
export function jsonStateCodec<V = unknown>(options: VersionOptions<V> = {}): StateCodec<V> {
  const name = 'json';
  const version = checkedVersion(name, options.version ?? 1);
  return {
    name,
    version,
    encode(value) {
      const text = JSON.stringify(value);
      if (text === undefined) throw new TypeError(`a state value of type ${typeof value} has no JSON form`);
      const bytes = Buffer.allocUnsafe(1 + Buffer.byteLength(text));
      bytes[0] = version;
      bytes.write(text, 1, 'utf8');
      return bytes;
    },
    decode(bytes) {
      const upgrade = upgradeFor(name, version, bytes, options.upgrade);
      const value = JSON.parse(bytes.toString('utf8', 1)) as unknown;
      return upgrade === undefined ? (value as V) : upgrade(value);
    },
  };
}

/**
 * JSON-like values with Buffers and typed arrays (Float32Array, Int16Array, …) anywhere in them, each restored with
 * its type; the decoded value shares no memory with the bytes. Layout (integers little-endian):
 * | 0 | u8 | version |
 * | 1 | u32 | byte length J of the JSON |
 * | 5 | u32 | number N of binary blobs |
 * | 9 | N × (u8 type, u32 byte length) | the blobs' types (`blobTypes`) and sizes |
 * | 9 + 5N | J bytes | the value as JSON, each blob replaced by `{"\u0000": <blob index>}` |
 * | then | the blobs' bytes, in order | typed arrays as in memory (little-endian platforms only) |
 */
export function binaryStateCodec<V = unknown>(options: VersionOptions<V> = {}): StateCodec<V> {
  const name = 'binary';
  const version = checkedVersion(name, options.version ?? 1);
  if (endianness() !== 'LE') throw new RangeError('the binary state codec stores typed arrays as little-endian memory; this platform is big-endian');
  return {
    name,
    version,
    encode: (value) => encodeBinary(version, value),
    decode(bytes) {
      const upgrade = upgradeFor(name, version, bytes, options.upgrade);
      const value = decodeBinary(bytes);
      return upgrade === undefined ? (value as V) : upgrade(value);
    },
  };
}

/** A codec of an operator's own: `encode` and `decode` see the value's bytes without the version byte. */
export function stateCodec<V>(spec: { readonly name: string; readonly version: number; encode(value: V): Uint8Array; decode(body: Buffer): V; readonly upgrade?: Upgrades<Buffer, V> }): StateCodec<V> {
  const version = checkedVersion(spec.name, spec.version);
  return {
    name: spec.name,
    version,
    encode(value) {
      const body = spec.encode(value);
      const bytes = Buffer.allocUnsafe(1 + body.length);
      bytes[0] = version;
      bytes.set(body, 1);
      return bytes;
    },
    decode(bytes) {
      const upgrade = upgradeFor(spec.name, version, bytes, spec.upgrade);
      return (upgrade ?? spec.decode)(bytes.subarray(1));
    },
  };
}

export const jsonCodec: StateCodec<unknown> = jsonStateCodec();
export const binaryCodec: StateCodec<unknown> = binaryStateCodec();

function checkedVersion(name: string, version: number): number {
  if (!Number.isInteger(version) || version < 0 || version > 255) throw new RangeError(`state codec '${name}': version ${version} is not an integer from 0 to 255`);
  return version;
}

/** Undefined when `bytes` has the codec's version, else the upgrade of the version it has; throws when there is none. */
function upgradeFor<From, V>(name: string, version: number, bytes: Buffer, upgrades: Upgrades<From, V> | undefined): ((old: From) => V) | undefined {
  if (bytes.length === 0) throw new StateValueError(`state codec '${name}' (version ${version}) got an empty value, without its version byte`);
  const found = bytes[0] as number;
  if (found === version) return undefined;
  const upgrade = upgrades?.[found];
  if (upgrade === undefined) throw new StateValueError(`state codec '${name}' reads version ${version}, the stored value has version ${found}${upgrades === undefined ? '' : ` (it upgrades ${Object.keys(upgrades).join(', ')})`}`);
  return upgrade;
}

type TypedArray = Uint8Array | Int8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
type TypedArrayConstructor = { new (buffer: ArrayBuffer): TypedArray; readonly BYTES_PER_ELEMENT: number; readonly name: string };

/** Blob types by their tag in the layout; tag 0 is a Buffer. Append only: the tags are stored. */
const blobTypes: readonly TypedArrayConstructor[] = [Buffer as unknown as TypedArrayConstructor, Uint8Array, Int8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array];
const tagOf = new Map<unknown, number>(blobTypes.map((type, tag) => [type, tag]));

/** The key of a blob placeholder; an object of the value may not have it. */
const blobKey = '\u0000';
const headerBytes = 9;
const blobEntryBytes = 5;

function encodeBinary(version: number, value: unknown): Buffer {
  const blobs: ArrayBufferView[] = [];
  const tags: number[] = [];
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key: string, replaced: unknown) {
    // `this[key]` is the value before toJSON: a Buffer's toJSON would hide it.
    const original = this[key];
    if (typeof original !== 'object' || original === null) return replaced;
    if (ArrayBuffer.isView(original)) {
      const tag = tagOf.get(original.constructor);
      if (tag === undefined) throw new TypeError(`the binary state codec cannot store a ${original.constructor.name} (at '${key}')`);
      blobs.push(original);
      tags.push(tag);
      return { [blobKey]: blobs.length - 1 };
    }
    if (original instanceof ArrayBuffer || original instanceof SharedArrayBuffer) throw new TypeError(`the binary state codec cannot store a bare ${original.constructor.name} (at '${key}'): wrap it in a Uint8Array`);
    if (Object.hasOwn(original, blobKey)) throw new TypeError(`the binary state codec reserves the object key "\\u0000" (at '${key}')`);
    return replaced;
  });
  if (text === undefined) throw new TypeError(`a state value of type ${typeof value} has no JSON form`);
  const jsonBytes = Buffer.byteLength(text);
  let size = headerBytes + blobEntryBytes * blobs.length + jsonBytes;
  for (const blob of blobs) size += blob.byteLength;
  const bytes = Buffer.allocUnsafe(size);
  bytes[0] = version;
  bytes.writeUInt32LE(jsonBytes, 1);
  bytes.writeUInt32LE(blobs.length, 5);
  let at = headerBytes;
  for (const [index, blob] of blobs.entries()) {
    bytes[at] = tags[index] as number;
    bytes.writeUInt32LE(blob.byteLength, at + 1);
    at += blobEntryBytes;
  }
  at += bytes.write(text, at, 'utf8');
  for (const blob of blobs) {
    bytes.set(new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength), at);
    at += blob.byteLength;
  }
  return bytes;
}

function decodeBinary(bytes: Buffer): unknown {
  if (bytes.length < headerBytes) throw new StateValueError(`binary state value of ${bytes.length} bytes is shorter than its ${headerBytes}-byte header`);
  const jsonBytes = bytes.readUInt32LE(1);
  const count = bytes.readUInt32LE(5);
  let at = headerBytes + blobEntryBytes * count;
  const text = bytes.toString('utf8', at, at + jsonBytes);
  at += jsonBytes;
  if (count === 0) return JSON.parse(text) as unknown;
  const blobs: TypedArray[] = [];
  for (let index = 0, entry = headerBytes; index < count; index++, entry += blobEntryBytes) {
    const type = blobTypes[bytes[entry] as number];
    const length = bytes.readUInt32LE(entry + 1);
    if (type === undefined || length % type.BYTES_PER_ELEMENT !== 0 || at + length > bytes.length) throw new StateValueError(`binary state value: blob ${index} (type tag ${bytes[entry]}, ${length} bytes) is malformed or truncated`);
    const copy = bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + at + length) as ArrayBuffer;
    blobs.push(type === blobTypes[0] ? Buffer.from(copy) : new type(copy));
    at += length;
  }
  return JSON.parse(text, (_key, value: unknown) => (typeof value === 'object' && value !== null && Object.hasOwn(value, blobKey) ? blobs[(value as Record<string, number>)[blobKey] as number] : value));
}
