import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { from } from 'rxjs';
import { encodePayload } from '../../connectors/payload-codec.js';
import type { Envelope } from '../../contracts/envelope.js';
import validate from '../../operators/validate.js';
import { standaloneContext } from '../support/operator-context.js';
import { avroSchema, encodeWireFormat, loadSchema, schemaId, schemaNames, type SchemaName } from '../../schemas/avro.js';
import type { FieldNode, RecordNode, SchemaNode } from '../../schemas/schema-tree.js';

type Value = Record<string, unknown>;

/** What the operator must do with a payload: reject it with this reason and field (`anyField`: some field, any). */
interface Invalid {
  readonly kind: string;
  readonly payload: unknown;
  readonly reason: string;
  readonly field?: string;
  readonly anyField?: boolean;
}

// ---- Avro type → arbitrary of valid typed values, honouring the schema's constraints ----

function arbitraryOf(node: SchemaNode): fc.Arbitrary<unknown> {
  switch (node.kind) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'int':
      return fc.integer({ min: Math.max(-(2 ** 31), integerFloor(node.rules)), max: 2 ** 31 - 1 });
    case 'long':
      // avsc's encoder loses the sign of negative longs beyond -2^52
      return fc.integer({ min: Math.max(-(2 ** 52), integerFloor(node.rules)), max: 9_007_199_254_740_990 });
    case 'float':
    case 'double': {
      const make = node.kind === 'float' ? fc.float : fc.double;
      const min = node.rules.exclusiveMinimum ?? node.rules.minimum;
      return make({ noNaN: true, noDefaultInfinity: true, ...(min === undefined ? {} : { min: Math.fround(min), minExcluded: node.rules.exclusiveMinimum !== undefined }) }).map((x) => (x === 0 ? 0 : x));
    }
    case 'string':
      return fc.string({ unit: 'grapheme', minLength: node.rules.minLength ?? 0, maxLength: 16 });
    case 'bytes':
      return fc.uint8Array({ maxLength: 48 }).map((bytes) => Buffer.from(bytes));
    case 'enum':
      return fc.constantFrom(...node.symbols);
    case 'array': {
      const shape = { minLength: node.rules.minItems ?? 0, maxLength: (node.rules.minItems ?? 0) + 8 };
      return node.rules.uniqueItems === true ? fc.uniqueArray(arbitraryOf(node.items), shape) : fc.array(arbitraryOf(node.items), shape);
    }
    case 'nullable':
      return fc.option(arbitraryOf(node.type), { nil: null });
    case 'record':
      return recordArbitrary(node);
  }
}

function integerFloor(rules: { minimum?: number; exclusiveMinimum?: number }): number {
  return rules.exclusiveMinimum !== undefined ? rules.exclusiveMinimum + 1 : (rules.minimum ?? Number.MIN_SAFE_INTEGER);
}

/** All fields, then `exactlyOne` fixed up: one of its fields gets a non-null value, the others null. */
function recordArbitrary(node: RecordNode): fc.Arbitrary<Value> {
  const fields = fc.record(Object.fromEntries(node.fields.map((field) => [field.name, arbitraryOf(field.type)])), { noNullPrototype: true });
  const oneOf = node.rules.exactlyOne;
  if (oneOf === undefined) return fields;
  const setOne = fc.constantFrom(...oneOf).chain((name) => arbitraryOf(unwrap(fieldNamed(node, name).type)).map((value) => ({ name, value })));
  return fc.tuple(fields, setOne).map(([record, { name, value }]) => ({ ...record, ...Object.fromEntries(oneOf.map((other) => [other, null])), [name]: value }));
}

function unwrap(node: SchemaNode): SchemaNode {
  return node.kind === 'nullable' ? node.type : node;
}

function fieldNamed(node: RecordNode, name: string): FieldNode {
  return node.fields.find((field) => field.name === name) as FieldNode;
}

/** The JSON form without a round trip through text: Buffers as base64, numbers as they are (even non-finite ones). */
function jsonShape(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(jsonShape);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, jsonShape(inner)]));
  return value;
}

// ---- the operator, run synchronously on one payload at a time ----

function runner(schema: SchemaName): (payload: unknown) => { passed: Envelope<unknown>[]; rejected: Envelope<unknown>[] } {
  const topology = `validate-property-${schema}`;
  let rejected: Envelope<unknown>[] = [];
  const operator = validate.create(validate.config.parse({ schema }), standaloneContext({ topology, operator: 'validate', registry: new Registry(), emit: (_output, envelope) => rejected.push(envelope) }));
  return (payload) => {
    rejected = [];
    const passed: Envelope<unknown>[] = [];
    from([{ key: null, value: payload, timestamp: 0, headers: {}, origin: { topic: 'in', partition: 0, offset: '0' } }]).pipe(operator).subscribe((envelope) => passed.push(envelope));
    return { passed, rejected };
  };
}

// ---- mutations of valid records into invalid payloads ----

const wrongBase: Record<SchemaNode['kind'], readonly unknown[]> = {
  null: [0],
  boolean: [0, 'true'],
  int: ['1', 1.5, 2 ** 31, false],
  long: ['1', 0.5, 2 ** 53, true],
  float: ['1.5', true, [1], {}],
  double: ['1.5', true, [1], {}],
  string: [1, true, [], {}],
  bytes: ['not base64!', 7, ['AA==']],
  enum: ['NOT_A_SYMBOL', 1],
  array: ['x', { 0: 'a' }, 3],
  nullable: [],
  record: ['x', []],
};

function wrongValues(node: SchemaNode): readonly unknown[] {
  return node.kind === 'nullable' ? wrongBase[node.type.kind] : [...wrongBase[node.kind], null];
}

function invalidArbitrary(schema: SchemaName): fc.Arbitrary<Invalid> {
  const { tree } = loadSchema(schema);
  const valid = recordArbitrary(tree);
  const declared = new Set(tree.fields.map((field) => field.name));
  const required = tree.fields.filter((field) => field.defaultValue === undefined).map((field) => field.name);
  const seeds = fc.tuple(valid, fc.nat(), fc.nat(), fc.nat());
  const json = (value: Value): Value => JSON.parse(encodePayload(value, 'json').toString('utf8')) as Value;
  const wire = (value: Value): Buffer => Buffer.from(encodeWireFormat(schema, value));

  const missingField = fc.tuple(valid, fc.constantFrom(...required)).map(([value, name]): Invalid => {
    const payload = json(value);
    delete payload[name];
    return { kind: 'missing-field', payload, reason: 'missing-field', field: name };
  });
  const wrongType = seeds.map(([value, a, b, c]): Invalid => {
    const field = tree.fields[a % tree.fields.length] as FieldNode;
    const payload = json(value);
    const items = payload[field.name];
    if (field.type.kind === 'array' && Array.isArray(items) && items.length > 0 && c % 2 === 0) {
      const index = c % items.length;
      items[index] = pick(wrongValues(field.type.items), b);
      return { kind: 'wrong-type (item)', payload, reason: 'wrong-type', field: `${field.name}[${index}]` };
    }
    payload[field.name] = pick(wrongValues(field.type), b);
    return { kind: 'wrong-type', payload, reason: 'wrong-type', field: field.name };
  });
  const unknownName = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'extra'), fc.string({ minLength: 1, maxLength: 12 })).filter((name) => !declared.has(name));
  const unknownField = fc.tuple(valid, unknownName, fc.jsonValue()).map(([value, name, extra]): Invalid => {
    const payload = json(value);
    Object.defineProperty(payload, name, { value: extra, enumerable: true, writable: true, configurable: true });
    return { kind: 'unknown-field', payload, reason: 'unknown-field', field: name };
  });
  const notARecord = fc.oneof(fc.array(fc.jsonValue()), fc.string(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null)).map((payload): Invalid => ({ kind: 'not-a-record', payload, reason: 'not-a-record' }));
  const constraint = seeds
    .map(([value, a, b, c]): Invalid | undefined => {
      const breaks = constraintBreaks(tree, value, b);
      if (breaks.length === 0) return undefined;
      const { value: broken, field } = pick(breaks, a);
      const asJson = c % 2 === 0;
      return { kind: `constraint (${asJson ? 'json' : 'wire'})`, payload: asJson ? jsonShape(broken) : wire(broken), reason: 'constraint', field };
    })
    .filter((invalid): invalid is Invalid => invalid !== undefined);
  const badMagic = fc.tuple(valid, fc.integer({ min: 1, max: 255 })).map(([value, magic]): Invalid => {
    const payload = wire(value);
    payload[0] = magic;
    return { kind: 'bad magic byte', payload, reason: 'bad-wire-format' };
  });
  const otherIds = schemaNames().filter((name) => name !== schema).map(schemaId);
  const otherId = fc.oneof(fc.constantFrom(...otherIds), fc.integer({ min: 0, max: 2 ** 32 - 1 }).filter((id) => id !== schemaId(schema)));
  const wrongId = fc.tuple(valid, otherId).map(([value, id]): Invalid => {
    const payload = wire(value);
    payload.writeUInt32BE(id, 1);
    return { kind: 'schema id', payload, reason: 'schema-id-mismatch' };
  });
  const truncated = fc.tuple(valid, fc.nat()).map(([value, cut]): Invalid => {
    const full = wire(value);
    const length = cut % full.length;
    return { kind: 'truncated', payload: full.subarray(0, length), reason: 'bad-wire-format', ...(length >= 5 ? { anyField: true } : {}) };
  });
  const trailing = fc.tuple(valid, fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([value, extra]): Invalid => ({ kind: 'trailing bytes', payload: Buffer.concat([wire(value), extra]), reason: 'bad-wire-format' }));
  return fc.oneof(missingField, wrongType, unknownField, notARecord, constraint, badMagic, wrongId, truncated, trailing);
}

function pick<T>(list: readonly T[], seed: number): T {
  return list[seed % list.length] as T;
}

/** Every way this valid value can be made to break one of its schema's rules, each with the field it names. */
function constraintBreaks(tree: RecordNode, value: Value, seed: number): { value: Value; field: string }[] {
  const breaks: { value: Value; field: string }[] = [];
  const put = (name: string, replacement: unknown, field = name): void => void breaks.push({ value: { ...value, [name]: replacement }, field });
  const oneOf = tree.rules.exactlyOne;
  if (oneOf !== undefined) {
    const set = oneOf.find((name) => value[name] !== null) as string;
    breaks.push({ value: { ...value, [set]: null }, field: oneOf[0] as string });
    const other = oneOf.find((name) => name !== set) as string;
    put(other, unwrap(fieldNamed(tree, other).type).kind === 'bytes' ? Buffer.alloc(1) : 'x', oneOf.indexOf(set) < oneOf.indexOf(other) ? other : set);
  }
  for (const field of tree.fields) {
    const current = value[field.name];
    const node = unwrap(field.type);
    if (current === null) continue;
    if (node.kind === 'string' && (node.rules.minLength ?? 0) > 0) put(field.name, '');
    if ((node.kind === 'int' || node.kind === 'long') && node.rules.exclusiveMinimum !== undefined) put(field.name, node.rules.exclusiveMinimum - (seed % 4));
    if ((node.kind === 'int' || node.kind === 'long') && node.rules.minimum !== undefined) put(field.name, node.rules.minimum - 1 - (seed % 4));
    if (node.kind === 'float' || node.kind === 'double') put(field.name, pick([Number.NaN, Infinity, -Infinity], seed));
    if (node.kind !== 'array') continue;
    const items = current as unknown[];
    const minItems = node.rules.minItems ?? 0;
    if (minItems > 0) put(field.name, items.slice(0, seed % minItems));
    if (node.rules.uniqueItems === true) put(field.name, [...items, items[seed % items.length]], `${field.name}[${items.length}]`);
    const index = seed % items.length;
    if (node.items.kind === 'string' && (node.items.rules.minLength ?? 0) > 0) put(field.name, items.with(index, ''), `${field.name}[${index}]`);
    if (node.items.kind === 'float' || node.items.kind === 'double') put(field.name, items.with(index, pick([Number.NaN, Infinity, -Infinity], seed)), `${field.name}[${index}]`);
  }
  return breaks;
}

// ---- the properties ----

for (const schema of schemaNames()) {
  test(`${schema}: every valid record passes, as JSON and as wire format, with the same value`, () => {
    const run = runner(schema);
    const { tree } = loadSchema(schema);
    const defaulted = tree.fields.filter((field) => field.defaultValue !== undefined).map((field) => field.name);
    fc.assert(
      fc.property(recordArbitrary(tree), fc.subarray(defaulted), (value, omit) => {
        const payload = JSON.parse(encodePayload(value, 'json').toString('utf8')) as Value;
        for (const name of omit) if (payload[name] === null) delete payload[name];
        for (const form of [payload, encodeWireFormat(schema, value)]) {
          const { passed, rejected } = run(form);
          assert.deepEqual(rejected.map((record) => record.headers['weir.error']), []);
          assert.deepEqual(passed[0]?.value, value);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test(`${schema}: every invalid payload is rejected with the right reason and field`, () => {
    const run = runner(schema);
    const kinds = new Map<string, number>();
    fc.assert(
      fc.property(invalidArbitrary(schema), (invalid) => {
        kinds.set(invalid.kind, (kinds.get(invalid.kind) ?? 0) + 1);
        const { passed, rejected } = run(invalid.payload);
        assert.deepEqual(passed, [], `${invalid.kind} passed`);
        const headers = rejected[0]?.headers ?? {};
        assert.equal(headers['weir.reason'], invalid.reason, `${invalid.kind}: ${headers['weir.error']}`);
        if (invalid.anyField === true) assert.ok(headers['weir.field'], `${invalid.kind}: no field in ${headers['weir.error']}`);
        else assert.equal(headers['weir.field'], invalid.field, `${invalid.kind}: ${headers['weir.error']}`);
        assert.equal(rejected[0]?.value, invalid.payload);
      }),
      { numRuns: 1000 },
    );
    const expected = ['missing-field', 'wrong-type', 'unknown-field', 'not-a-record', 'bad magic byte', 'schema id', 'truncated', 'trailing bytes'];
    for (const kind of expected) assert.ok((kinds.get(kind) ?? 0) >= 20, `only ${kinds.get(kind) ?? 0} '${kind}' cases`);
    assert.ok((kinds.get('constraint (json)') ?? 0) + (kinds.get('constraint (wire)') ?? 0) >= 40);
  });

  test(`${schema}: a record with corrupted body bytes is never a crash: it passes as a valid record or is rejected`, () => {
    const run = runner(schema);
    fc.assert(
      fc.property(recordArbitrary(loadSchema(schema).tree), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (value, flips) => {
        const payload = Buffer.from(encodeWireFormat(schema, value));
        for (const [at, byte] of flips) payload[5 + (at % (payload.length - 5))] = byte;
        const { passed, rejected } = run(payload);
        assert.equal(passed.length + rejected.length, 1);
        if (passed[0] !== undefined) assert.ok(avroSchema(schema).isValid(passed[0].value));
        else assert.ok(['bad-wire-format', 'constraint'].includes(rejected[0]?.headers['weir.reason'] ?? ''), rejected[0]?.headers['weir.error']);
      }),
      { numRuns: 300 },
    );
  });
}
