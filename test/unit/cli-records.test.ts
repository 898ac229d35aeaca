import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KafkaMessage } from 'kafkajs';
import { toPrintedRecord } from '../../bin/commands/consume.js';
import { parseJsonLines } from '../../bin/commands/produce.js';

describe('weir produce: JSON lines to messages', () => {
  it('makes one message per non-blank line, the value re-serialised as JSON', () => {
    const { messages, errors } = parseJsonLines('{"id":1, "name":"a"}\n\n  \n[1,2]\r\n"text"\n', { format: 'json' });
    assert.deepEqual(errors, []);
    assert.deepEqual(messages, [{ value: '{"id":1,"name":"a"}' }, { value: '[1,2]' }, { value: '"text"' }]);
  });

  it('takes the key from a (dotted) field, strings as they are and other values as JSON', () => {
    const { messages, errors } = parseJsonLines('{"user":{"id":"u1"}}\n{"user":{"id":7}}\n', { format: 'json', keyField: 'user.id' });
    assert.deepEqual(errors, []);
    assert.deepEqual(messages.map((message) => message.key), ['u1', '7']);
  });

  it('names every bad line by its number', () => {
    const { errors } = parseJsonLines('{"id":1}\n{"id":2\n\n{"other":3}\nnot json\n', { format: 'json', keyField: 'id' });
    assert.deepEqual(
      errors.map((error) => error.line),
      [2, 4, 5],
    );
    assert.match(errors[0]?.message ?? '', /^not JSON: /);
    assert.equal(errors[1]?.message, "no key field 'id'");
  });

  it('with --format bytes, decodes each line as a JSON string of base64', () => {
    const { messages, errors } = parseJsonLines(`"${Buffer.from([0, 1, 255]).toString('base64')}"\n"not base64!"\n{"a":1}\n`, { format: 'bytes' });
    assert.deepEqual(messages, [{ value: Buffer.from([0, 1, 255]) }]);
    assert.deepEqual(errors.map((error) => error.line), [2, 3]);
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
