import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { toPrintedRecord } from '../../bin/commands/consume.js';
import { avroEncoder, base64Encoder, jsonEncoder, parseJsonLines } from '../../bin/commands/produce.js';
import { UsageError } from '../../bin/args.js';
import { decodeWireFormat } from '../../schemas/avro.js';

describe('weir produce: JSON lines to messages', () => {
  it('makes one message per non-blank line, the value re-serialised as JSON', () => {
    const { messages, errors } = parseJsonLines('{"id":1, "name":"a"}\n\n  \n[1,2]\r\n"text"\n', { encode: jsonEncoder });
    assert.deepEqual(errors, []);
    assert.deepEqual(messages, [
      { key: null, value: '{"id":1,"name":"a"}' },
      { key: null, value: '[1,2]' },
      { key: null, value: '"text"' },
    ]);
  });

  it('takes the key from a (dotted) field, strings as they are and other values as JSON', () => {
    const { messages, errors } = parseJsonLines('{"user":{"id":"u1"}}\n{"user":{"id":7}}\n', { encode: jsonEncoder, keyField: 'user.id' });
    assert.deepEqual(errors, []);
    assert.deepEqual(messages.map((message) => message.key), ['u1', '7']);
  });

  it('names every bad line by its number', () => {
    const { errors } = parseJsonLines('{"id":1}\n{"id":2\n\n{"other":3}\nnot json\n', { encode: jsonEncoder, keyField: 'id' });
    assert.deepEqual(
      errors.map((error) => error.line),
      [2, 4, 5],
    );
    assert.match(errors[0]?.message ?? '', /^not JSON: /);
    assert.equal(errors[1]?.message, "no key field 'id'");
  });

  it('with --format bytes, decodes each line as a JSON string of base64', () => {
    const { messages, errors } = parseJsonLines(`"${Buffer.from([0, 1, 255]).toString('base64')}"\n"not base64!"\n{"a":1}\n`, { encode: base64Encoder });
    assert.deepEqual(messages, [{ key: null, value: Buffer.from([0, 1, 255]) }]);
    assert.deepEqual(errors.map((error) => error.line), [2, 3]);
  });
});

describe('weir produce --avro', () => {
  const edge = { edge_id: 'e1', tenant: 't', node_ids: ['a', 'b'], weight: 0.5, event_time: 1_700_000_000_000 };

  it('sends records of the schema in the wire format', () => {
    const { messages, errors } = parseJsonLines(`${JSON.stringify(edge)}\n`, { encode: avroEncoder('EdgeEvent'), keyField: 'edge_id' });
    assert.deepEqual(errors, []);
    assert.equal(messages[0]?.key, 'e1');
    assert.deepEqual(decodeWireFormat(messages[0]?.value as Buffer, 'EdgeEvent').value, edge);
  });

  it('names the line and the field of a record that does not fit the schema', () => {
    const { messages, errors } = parseJsonLines(`${JSON.stringify(edge)}\n${JSON.stringify({ ...edge, weight: 'heavy' })}\n`, { encode: avroEncoder('EdgeEvent') });
    assert.equal(messages.length, 1);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.line, 2);
    assert.match(errors[0]?.message ?? '', /^not a valid EdgeEvent: .*weight/);
  });

  it('refuses a schema name it does not know, listing the known ones', () => {
    assert.throws(() => avroEncoder('Edge'), (error: unknown) => error instanceof UsageError && /^--avro expects one of .*EdgeEvent.*, got 'Edge'$/.test(error.message));
  });
});

describe('weir consume: records to printed lines', () => {
  const message = (value: Buffer | null, headers: KafkaMessage['headers'] = {}): KafkaMessage =>
    ({ key: Buffer.from('k1'), value, headers, offset: '42', timestamp: '1700000000000', attributes: 0 }) as KafkaMessage;

  it('prints the key, the JSON value, headers as strings, partition, offset and timestamp', () => {
    const { record, notJson } = toPrintedRecord(message(Buffer.from('{"a":1}'), { trace: Buffer.from('t-1'), tags: [Buffer.from('x'), 'y'] }), 3, 'json');
    assert.equal(notJson, false);
    assert.deepEqual(record, { key: 'k1', value: { a: 1 }, headers: { trace: 't-1', tags: ['x', 'y'] }, partition: 3, offset: '42', timestamp: 1_700_000_000_000 });
  });

  it('prints a value that is not JSON, or any value with --format bytes, as base64; a tombstone as null', () => {
    const bytes = Buffer.from([0xff, 0x00]);
    assert.deepEqual(toPrintedRecord(message(bytes), 0, 'json'), { record: { key: 'k1', value: '/wA=', headers: {}, partition: 0, offset: '42', timestamp: 1_700_000_000_000 }, notJson: true });
    assert.equal(toPrintedRecord(message(Buffer.from('{"a":1}')), 0, 'bytes').record.value, Buffer.from('{"a":1}').toString('base64'));
    assert.equal(toPrintedRecord(message(null), 0, 'json').record.value, null);
  });
});
