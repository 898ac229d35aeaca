import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { from, lastValueFrom, toArray } from 'rxjs';
import type { Envelope } from '../../contracts/envelope.js';
import { metricNames } from '../../contracts/metric-names.js';
import { builtinOperators } from '../../operators/index.js';
import { standaloneContext } from '../support/operator-context.js';
import validate from '../../operators/validate.js';
import { encodeWireFormat } from '../../schemas/avro.js';

let topologies = 0;

/** One validate instance with a memory-backed context; `rejected` collects what it emits. */
function harness(config: unknown, options: { registry?: Registry; topology?: string; partition?: number } = {}) {
  const registry = options.registry ?? new Registry();
  const topology = options.topology ?? `validate-test-${++topologies}`;
  const partition = options.partition ?? 0;
  const rejected: Envelope<unknown>[] = [];
  const ctx = standaloneContext({
    topology,
    operator: 'validate',
    partition,
    registry,
    emit: (output, envelope) => {
      assert.equal(output, 'rejected');
      rejected.push(envelope);
    },
  });
  const operator = validate.create(validate.config.parse(config), ctx);
  const run = (values: readonly unknown[]): Promise<Envelope<unknown>[]> => lastValueFrom(from(values.map((value, index) => envelope(value, index))).pipe(operator, toArray()));
  return { run, rejected, registry, topology };
}

function envelope(value: unknown, offset = 0): Envelope<unknown> {
  return {
    key: 'k',
    value,
    timestamp: 123,
    headers: { trace: 't-1' },
    origin: { topic: 'ingest.edges', partition: 3, offset: String(17 + offset) },
    raw: Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value) ?? ''),
  };
}

async function metricValues(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name);
  assert.ok(metric, `no metric ${name}`);
  const values: Record<string, number> = {};
  for (const { labels, value } of (await metric.get()).values) values[[labels.schema, labels.reason].filter(Boolean).join('/')] = value;
  return values;
}

const edge = { edge_id: 'e-1', tenant: 'acme', node_ids: ['a', 'b', 'c'], weight: 0.25, event_time: 1_700_000_000_000 };

test('validate is a built-in with a strict config', () => {
  assert.equal(builtinOperators.get('validate'), validate);
  assert.deepEqual(validate.config.parse({ schema: 'EdgeEvent' }), { schema: 'EdgeEvent', eventTime: true });
  assert.equal(validate.config.safeParse({ schema: 'Edge' }).success, false);
  assert.equal(validate.config.safeParse({ schema: 'EdgeEvent', strict: false }).success, false);
  assert.deepEqual(validate.outputs, ['rejected']);
});

test('a valid JSON record passes as its typed value, timed by event_time', async () => {
  const { run, rejected } = harness({ schema: 'EdgeEvent' });
  const [out] = await run([edge]);
  assert.deepEqual(out, { ...envelope(edge), value: edge, timestamp: edge.event_time });
  assert.deepEqual(rejected, []);
});

test('eventTime: false keeps the source timestamp', async () => {
  const { run } = harness({ schema: 'EdgeEvent', eventTime: false });
  assert.equal((await run([edge]))[0]?.timestamp, 123);
});

test('JSON maps to the typed record: base64 to Buffer, absent defaults to null, floats to 32 bits', async () => {
  const image = harness({ schema: 'ImageIngest' });
  const [out] = await image.run([{ id: 'i', tenant: 't', image: 'AAEC/w==', content_type: 'PNG', width: 640, event_time: 5 }]);
  assert.deepEqual(out?.value, { id: 'i', tenant: 't', uri: null, image: Buffer.from([0, 1, 2, 255]), content_type: 'PNG', width: 640, height: null, event_time: 5 });
  const embedding = harness({ schema: 'EmbeddingEvent' });
  const [vector] = await embedding.run([{ id: 'x', tenant: 't', vector: [0.1, -2], model_version: 'm@1', event_time: 0 }]);
  assert.deepEqual((vector?.value as { vector: number[] }).vector, [Math.fround(0.1), -2]);
});

test('the JSON and the wire form of a record give the same output', async () => {
  const audio = { id: 'a', tenant: 't', sample_rate: 16000, channels: 1, encoding: 'PCM_S16LE', uri: null, pcm: Buffer.from([1, 0, 2, 0]), duration_ms: null, event_time: 9 };
  const { run, rejected } = harness({ schema: 'AudioIngest' });
  const [fromJson, fromWire] = await run([{ ...audio, pcm: audio.pcm.toString('base64') }, encodeWireFormat('AudioIngest', audio)]);
  assert.deepEqual(fromJson?.value, audio);
  assert.deepEqual(fromWire?.value, audio);
  assert.deepEqual(rejected, []);
});

/** Runs one payload through a fresh EdgeEvent validator and returns its rejection headers. */
async function rejectionOf(value: unknown, schema = 'EdgeEvent'): Promise<Record<string, string>> {
  const { run, rejected } = harness({ schema });
  assert.deepEqual(await run([value]), []);
  assert.equal(rejected.length, 1);
  const [record] = rejected as [Envelope<unknown>];
  assert.deepEqual({ ...record, headers: {} }, { ...envelope(value), headers: {} }, 'the rejected record is the input, untouched');
  return { ...record.headers };
}

function expectedHeaders(reason: string, error: string, field?: string, schema = 'EdgeEvent'): Record<string, string> {
  return {
    trace: 't-1',
    'weir.reason': reason,
    'weir.error': error,
    'weir.origin.topic': 'ingest.edges',
    'weir.origin.partition': '3',
    'weir.origin.offset': '17',
    'weir.operator': 'validate',
    ...(field === undefined ? {} : { 'weir.field': field }),
    'weir.schema': schema,
  };
}

test('a missing required field is rejected as missing-field', async () => {
  const { event_time: _, ...value } = edge;
  assert.deepEqual(await rejectionOf(value), expectedHeaders('missing-field', 'required field event_time is missing', 'event_time'));
});

test('a wrong type is rejected with the exact path', async () => {
  assert.deepEqual(await rejectionOf({ ...edge, node_ids: ['a', 'b', 7] }), expectedHeaders('wrong-type', 'node_ids[2] must be a string, got number 7', 'node_ids[2]'));
  assert.deepEqual(await rejectionOf({ ...edge, event_time: '2024-01-01T00:00:00Z' }), expectedHeaders('wrong-type', 'event_time must be a long (an integer within ±(2^53 − 2)), got the string "2024-01-01T00:00:00Z"', 'event_time'));
  const image = { id: 'i', tenant: 't', image: 'not base64', content_type: 'PNG', event_time: 1 };
  assert.deepEqual(await rejectionOf(image, 'ImageIngest'), expectedHeaders('wrong-type', 'image must be null or bytes (a base64 string), got the string "not base64"', 'image', 'ImageIngest'));
});

test('an undeclared field is rejected, even one named like an Object method', async () => {
  assert.deepEqual(await rejectionOf({ ...edge, colour: 'red' }), expectedHeaders('unknown-field', 'colour is not a field of EdgeEvent (undeclared fields are rejected)', 'colour'));
  assert.deepEqual(await rejectionOf(JSON.parse(`{"__proto__":{},${JSON.stringify(edge).slice(1)}`)), expectedHeaders('unknown-field', '__proto__ is not a field of EdgeEvent (undeclared fields are rejected)', '__proto__'));
  assert.equal((await rejectionOf({ ...edge, constructor: 1 }))['weir.reason'], 'unknown-field');
});

test('a payload that is not an object is rejected as not-a-record, without a field', async () => {
  assert.deepEqual(await rejectionOf([edge]), expectedHeaders('not-a-record', 'expected a JSON object (schema EdgeEvent), got an array'));
  assert.deepEqual(await rejectionOf('edge'), expectedHeaders('not-a-record', 'expected a JSON object (schema EdgeEvent), got the string "edge"'));
});

test('a broken constraint is rejected as constraint', async () => {
  assert.deepEqual(await rejectionOf({ ...edge, node_ids: ['a', 'a'] }), expectedHeaders('constraint', 'node_ids[1]: repeats item [0]; items must be distinct', 'node_ids[1]'));
  assert.deepEqual(await rejectionOf({ ...edge, node_ids: ['a'] }), expectedHeaders('constraint', 'node_ids: must have at least 2 items, has 1', 'node_ids'));
  const embedding = { id: 'x', tenant: 't', vector: [1, 1e39], model_version: 'm', event_time: 0 };
  assert.deepEqual(await rejectionOf(embedding, 'EmbeddingEvent'), expectedHeaders('constraint', 'vector[1]: must be a finite number, is Infinity', 'vector[1]', 'EmbeddingEvent'));
  const audio = { id: 'a', tenant: 't', sample_rate: 0, channels: 1, encoding: 'PCM_F32LE', uri: 's3://b/a.pcm', event_time: 9 };
  assert.deepEqual(await rejectionOf(audio, 'AudioIngest'), expectedHeaders('constraint', 'sample_rate: must be > 0, is 0', 'sample_rate', 'AudioIngest'));
});

test('wire-format problems are rejected as bad-wire-format or schema-id-mismatch', async () => {
  const wire = encodeWireFormat('EdgeEvent', edge);
  assert.deepEqual(await rejectionOf(wire.subarray(0, wire.length - 2)), expectedHeaders('bad-wire-format', 'truncated at event_time: needs 1 more byte, 0 left', 'event_time'));
  assert.deepEqual(await rejectionOf(Buffer.from([1, ...wire.subarray(1)])), expectedHeaders('bad-wire-format', 'magic byte is 0x01, expected 0x00'));
  const image = encodeWireFormat('ImageIngest', { id: 'i', tenant: 't', uri: 'u', content_type: 'GIF', event_time: 1 });
  assert.deepEqual(await rejectionOf(image), expectedHeaders('schema-id-mismatch', 'schema id 1 (ImageIngest) where EdgeEvent (id 4) is expected'));
  const nan = encodeWireFormat('EdgeEvent', { ...edge, weight: Number.NaN });
  assert.deepEqual(await rejectionOf(nan), expectedHeaders('constraint', 'weight: must be a finite number, is NaN', 'weight'));
});

test('a batch keeps its order and splits into passed and rejected records', async () => {
  const { run, rejected } = harness({ schema: 'EdgeEvent' });
  const out = await run([edge, { ...edge, weight: 'x' }, { ...edge, edge_id: 'e-2' }, null]);
  assert.deepEqual(out.map((record) => (record.value as { edge_id: string }).edge_id), ['e-1', 'e-2']);
  assert.deepEqual(rejected.map((record) => [record.origin.offset, record.headers['weir.reason']]), [['18', 'wrong-type'], ['20', 'not-a-record']]);
});

test('metrics count records and failures by reason; the ratio covers every partition', async () => {
  const registry = new Registry();
  const first = harness({ schema: 'EdgeEvent' }, { registry });
  const second = harness({ schema: 'EdgeEvent' }, { registry, topology: first.topology, partition: 1 });
  await first.run([edge, edge, { ...edge, weight: 'x' }, {}]);
  await second.run([edge, [], [], []]);
  assert.deepEqual(await metricValues(registry, metricNames.validationRecords), { EdgeEvent: 8 });
  assert.deepEqual(await metricValues(registry, metricNames.validationFailures), { 'EdgeEvent/wrong-type': 1, 'EdgeEvent/missing-field': 1, 'EdgeEvent/not-a-record': 3 });
  assert.deepEqual(await metricValues(registry, metricNames.validationRejectionRatio), { EdgeEvent: 5 / 8 });
});
