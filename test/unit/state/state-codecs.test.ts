import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StateValueError } from '../../../contracts/errors.js';
import { binaryCodec, binaryStateCodec, jsonCodec, jsonStateCodec, stateCodec } from '../../../state/state-codecs.js';

test('json: the version byte, then UTF-8 JSON; values round-trip', () => {
  const bytes = jsonCodec.encode({ count: 3, name: 'é', list: [1, null, 'x'] });
  assert.equal(bytes[0], 1);
  assert.equal(bytes.subarray(1).toString('utf8'), '{"count":3,"name":"é","list":[1,null,"x"]}');
  for (const value of [0, -1.5, 'text', true, null, [], {}, { nested: { deep: [{ a: 1 }] } }]) assert.deepEqual(jsonCodec.decode(jsonCodec.encode(value)), value);
});

test('json: a value with no JSON form is a TypeError at encode', () => {
  assert.throws(() => jsonCodec.encode(undefined), TypeError);
  assert.throws(() => jsonCodec.encode(() => 1), TypeError);
});

test('binary: Buffers and every typed array come back with their type and contents, anywhere in the value', () => {
  const value = {
    header: { sampleRate: 16_000, channels: 1, label: 'ünïcode' },
    frames: [new Float32Array([0.5, -1.25, Math.fround(Math.PI)]), new Float32Array(0)],
    pcm: new Int16Array([-32_768, 0, 32_767]),
    raw: Buffer.from([0, 255, 128, 7]),
    deep: { deeper: [{ u8: new Uint8Array([1, 2, 3]) }, { f64: new Float64Array([Number.MIN_VALUE, -0, Infinity]) }] },
    more: [new Int8Array([-1]), new Uint8ClampedArray([255]), new Uint16Array([65_535]), new Int32Array([-5]), new Uint32Array([4_294_967_295]), new BigInt64Array([-(2n ** 63n)]), new BigUint64Array([2n ** 64n - 1n])],
    plain: [1, 'two', null, true],
  };
  const decoded = binaryCodec.decode(binaryCodec.encode(value)) as typeof value;
  assert.deepEqual(decoded, value);
  assert.ok(Buffer.isBuffer(decoded.raw), 'a Buffer stays a Buffer');
  assert.ok(decoded.frames[0] instanceof Float32Array);
  assert.ok(decoded.deep.deeper[0]?.u8 instanceof Uint8Array && !Buffer.isBuffer(decoded.deep.deeper[0].u8), 'a Uint8Array stays a Uint8Array');
  assert.ok(Object.is(decoded.deep.deeper[1]?.f64?.[1], -0), 'bits, not values: -0 stays -0');
});

test('binary: a typed array alone, a view into a larger buffer, and a value with no arrays', () => {
  const whole = new Float32Array([1, 2, 3, 4, 5]);
  const view = whole.subarray(1, 3);
  assert.deepEqual(binaryCodec.decode(binaryCodec.encode(view)), new Float32Array([2, 3]));
  assert.deepEqual(binaryCodec.decode(binaryCodec.encode({ a: [1, { b: 'c' }] })), { a: [1, { b: 'c' }] });
});

test('binary: the decoded value shares no memory with the bytes', () => {
  const bytes = binaryCodec.encode({ f: new Float32Array([1, 2]) });
  const decoded = binaryCodec.decode(bytes) as { f: Float32Array };
  bytes.fill(0);
  assert.deepEqual(decoded.f, new Float32Array([1, 2]));
});

test('binary: one allocation of the exact size; the blobs follow the JSON as they are in memory', () => {
  const samples = new Float32Array(1_000).map((_, i) => i / 7);
  const bytes = binaryCodec.encode({ samples });
  const json = '{"samples":{"\\u0000":0}}';
  assert.equal(bytes.length, 1 + 4 + 4 + 5 + Buffer.byteLength(json) + samples.byteLength);
  assert.equal(bytes.toString('utf8', 14, 14 + Buffer.byteLength(json)), json);
  assert.deepEqual(bytes.subarray(bytes.length - samples.byteLength), Buffer.from(samples.buffer));
});

test('binary: what it cannot keep is a TypeError at encode, not a silent loss', () => {
  assert.throws(() => binaryCodec.encode({ view: new DataView(new ArrayBuffer(4)) }), /cannot store a DataView \(at 'view'\)/);
  assert.throws(() => binaryCodec.encode({ buffer: new ArrayBuffer(4) }), /bare ArrayBuffer/);
  assert.throws(() => binaryCodec.encode({ x: { '\u0000': 1 } }), /reserves the object key/);
});

test('a value of another version names the codec and both versions; an upgrade reads it', () => {
  const v1 = jsonStateCodec();
  const v2 = jsonStateCodec<{ total: number }>({ version: 2 });
  const stored = v1.encode({ count: 4 });
  assert.throws(
    () => v2.decode(stored),
    (error: unknown) => error instanceof StateValueError && !error.retriable && error.message === "state codec 'json' reads version 2, the stored value has version 1",
  );
  const upgrading = jsonStateCodec<{ total: number }>({ version: 2, upgrade: { 1: (old) => ({ total: (old as { count: number }).count }) } });
  assert.deepEqual(upgrading.decode(stored), { total: 4 });
  assert.deepEqual(upgrading.decode(upgrading.encode({ total: 5 })), { total: 5 });
  assert.throws(() => upgrading.decode(jsonStateCodec({ version: 3 }).encode(1)), /reads version 2, the stored value has version 3 \(it upgrades 1\)/);
  assert.throws(() => binaryStateCodec({ version: 7 }).decode(binaryCodec.encode([])), /state codec 'binary' reads version 7, the stored value has version 1/);
  assert.throws(() => jsonCodec.decode(Buffer.alloc(0)), StateValueError);
});

test('versions are 0 to 255', () => {
  assert.equal(jsonStateCodec({ version: 0 }).encode(1)[0], 0);
  assert.equal(binaryStateCodec({ version: 255 }).encode(1)[0], 255);
  for (const version of [-1, 256, 1.5]) assert.throws(() => jsonStateCodec({ version }), RangeError);
});

test('stateCodec: an operator’s own layout gets the version byte added and checked', () => {
  const pair = stateCodec<[number, number]>({
    name: 'pair',
    version: 3,
    encode: ([a, b]) => {
      const body = Buffer.alloc(8);
      body.writeInt32LE(a, 0);
      body.writeInt32LE(b, 4);
      return body;
    },
    decode: (body) => [body.readInt32LE(0), body.readInt32LE(4)],
    upgrade: { 2: (body) => [body.readInt32LE(0), 0] },
  });
  const bytes = pair.encode([7, -9]);
  assert.equal(bytes.length, 9);
  assert.equal(bytes[0], 3);
  assert.deepEqual(pair.decode(bytes), [7, -9]);
  assert.deepEqual(pair.decode(Buffer.from([2, 5, 0, 0, 0])), [5, 0]);
  assert.throws(() => pair.decode(Buffer.from([1, 5, 0, 0, 0])), /state codec 'pair' reads version 3, the stored value has version 1 \(it upgrades 2\)/);
});
