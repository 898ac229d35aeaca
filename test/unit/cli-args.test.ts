import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brokerList, choiceOption, integerOption, parseCommandArgs, UsageError } from '../../bin/args.js';

describe('CLI arguments', () => {
  const spec = { positionals: ['topic'], optionalPositionals: ['file.jsonl'], options: { max: { type: 'string' }, 'from-beginning': { type: 'boolean' } } } as const;

  it('parses positionals and options in any order', () => {
    const parsed = parseCommandArgs(['--max', '5', 'events', 'in.jsonl', '--from-beginning'], spec);
    assert.deepEqual(parsed.positionals, ['events', 'in.jsonl']);
    assert.equal(parsed.values.max, '5');
    assert.equal(parsed.values['from-beginning'], true);
  });

  it('rejects missing and extra positionals and unknown options as usage errors', () => {
    assert.throws(() => parseCommandArgs([], spec), new UsageError('missing <topic>'));
    assert.throws(() => parseCommandArgs(['a', 'b', 'c'], spec), new UsageError("unexpected argument 'c'"));
    assert.throws(() => parseCommandArgs(['a', '--maxx', '1'], spec), UsageError);
  });

  it('reads integers and choices, or says what was expected', () => {
    assert.equal(integerOption('max', undefined), undefined);
    assert.equal(integerOption('max', '250'), 250);
    assert.throws(() => integerOption('max', '-1'), new UsageError("--max expects a non-negative integer, got '-1'"));
    assert.equal(choiceOption('format', undefined, ['json', 'bytes'], 'json'), 'json');
    assert.equal(choiceOption('format', 'bytes', ['json', 'bytes'], 'json'), 'bytes');
    assert.throws(() => choiceOption('format', 'xml', ['json', 'bytes'], 'json'), new UsageError("--format expects one of json, bytes, got 'xml'"));
  });

  it('takes brokers from --brokers, else KAFKA_BROKERS, else the local broker', () => {
    assert.deepEqual(brokerList('a:9092, b:9093', { KAFKA_BROKERS: 'c:1' }), ['a:9092', 'b:9093']);
    assert.deepEqual(brokerList(undefined, { KAFKA_BROKERS: 'c:1,d:2' }), ['c:1', 'd:2']);
    assert.deepEqual(brokerList(undefined, {}), ['127.0.0.1:9092']);
    assert.throws(() => brokerList(' , ', {}), UsageError);
  });
});
