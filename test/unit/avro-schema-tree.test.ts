import assert from 'node:assert/strict';
import { test } from 'node:test';
import avro from 'avsc';
import { compileChecks } from '../../schemas/constraints.js';
import { formatPath } from '../../contracts/field-path.js';
import { schemaTree } from '../../schemas/schema-tree.js';

function record(fields: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'record', name: 'R', fields, ...extra };
}

function tree(raw: Record<string, unknown>): ReturnType<typeof schemaTree> {
  return schemaTree(avro.Type.forSchema(raw as avro.Schema), raw, 'r.avsc');
}

test('field paths read like code', () => {
  assert.equal(formatPath(['node_ids', 2]), 'node_ids[2]');
  assert.equal(formatPath(['a', 'b', 0, 'c']), 'a.b[0].c');
  assert.equal(formatPath([]), '');
});

test('the tree keeps types, nullability, defaults and constraints', () => {
  const node = tree(
    record([
      { name: 'ids', type: { type: 'array', items: 'string' }, constraints: { minItems: 2, uniqueItems: true, items: { minLength: 1 } } },
      { name: 'size', type: ['null', 'int'], default: null, constraints: { exclusiveMinimum: 0 } },
      { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    ]),
  );
  assert.equal(node.name, 'R');
  const [ids, size, at] = node.fields;
  assert.deepEqual(ids?.type, { kind: 'array', rules: { minItems: 2, uniqueItems: true }, items: { kind: 'string', rules: { minLength: 1 } } });
  assert.deepEqual(size?.type, { kind: 'nullable', type: { kind: 'int', rules: { exclusiveMinimum: 0 } } });
  assert.equal(size?.defaultValue?.(), null);
  assert.deepEqual(at?.type, { kind: 'long', rules: {} });
  assert.equal(at?.defaultValue, undefined);
});

test('types outside the supported subset fail at load, naming the field', () => {
  assert.throws(() => tree(record([{ name: 'm', type: { type: 'map', values: 'string' } }])), /r\.avsc \(m\): Avro type 'map' is not supported/);
  assert.throws(() => tree(record([{ name: 'u', type: ['string', 'int'] }])), /r\.avsc \(u\): only \["null", T\] unions are supported/);
  assert.throws(() => tree(record([{ name: 'n', type: { type: 'array', items: 'null' } }])), /array items must take at least one byte/);
  const inner = { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'int' }] };
  assert.throws(() => tree(record([{ name: 'a', type: inner }, { name: 'b', type: 'Inner' }])), /r\.avsc \(b\): named type references are not supported/);
});

test('constraints are checked against the field type when the schema loads', () => {
  assert.throws(() => tree(record([{ name: 's', type: 'string', constraints: { minItems: 1 } }])), /r\.avsc \(s\): bad constraints: .*minItems/);
  assert.throws(() => tree(record([{ name: 'b', type: 'boolean', constraints: {} }])), /a boolean field takes no constraints/);
  assert.throws(() => tree(record([{ name: 'b', type: { type: 'array', items: 'bytes' }, constraints: { uniqueItems: true } }])), /uniqueItems needs string, enum or number items/);
  assert.throws(() => tree(record([{ name: 'a', type: 'string' }, { name: 'b', type: ['null', 'string'], default: null }], { constraints: { exactlyOne: ['a', 'b'] } })), /exactlyOne names 'a', which is not a nullable field/);
});

test('compiled checks report the first broken rule with its path', () => {
  const node = tree(
    record(
      [
        { name: 'uri', type: ['null', 'string'], default: null, constraints: { minLength: 1 } },
        { name: 'data', type: ['null', 'bytes'], default: null },
        { name: 'ids', type: { type: 'array', items: 'string' }, constraints: { minItems: 2, uniqueItems: true, items: { minLength: 1 } } },
        { name: 'rate', type: 'int', constraints: { exclusiveMinimum: 0 } },
        { name: 'length', type: 'long', constraints: { minimum: 0 } },
        { name: 'vector', type: { type: 'array', items: 'float' } },
      ],
      { constraints: { exactlyOne: ['uri', 'data'] } },
    ),
  );
  const check = compileChecks(node);
  assert.ok(check !== undefined);
  const valid = { uri: 'u', data: null, ids: ['a', 'b'], rate: 1, length: 0, vector: [0.5] };
  assert.equal(check(valid), undefined);
  assert.deepEqual(check({ ...valid, uri: null }), { path: ['uri'], message: 'exactly one of uri, data must be set, none is' });
  assert.deepEqual(check({ ...valid, data: Buffer.alloc(0) }), { path: ['data'], message: 'exactly one of uri, data must be set, more than one is' });
  assert.deepEqual(check({ ...valid, uri: '' }), { path: ['uri'], message: 'must not be empty' });
  assert.deepEqual(check({ ...valid, ids: ['a'] }), { path: ['ids'], message: 'must have at least 2 items, has 1' });
  assert.deepEqual(check({ ...valid, ids: ['a', 'b', 'a'] }), { path: ['ids', 2], message: 'repeats item [0]; items must be distinct' });
  assert.deepEqual(check({ ...valid, ids: ['a', ''] }), { path: ['ids', 1], message: 'must not be empty' });
  assert.deepEqual(check({ ...valid, rate: 0 }), { path: ['rate'], message: 'must be > 0, is 0' });
  assert.deepEqual(check({ ...valid, length: -1 }), { path: ['length'], message: 'must be >= 0, is -1' });
  assert.deepEqual(check({ ...valid, vector: [1, Number.NaN] }), { path: ['vector', 1], message: 'must be a finite number, is NaN' });
});

test('a record with no rules and no floats needs no check at all', () => {
  assert.equal(compileChecks(tree(record([{ name: 's', type: 'string' }, { name: 'n', type: ['null', 'long'], default: null }]))), undefined);
});
