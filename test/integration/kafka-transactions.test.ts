import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareTopics, committedOffset } from '../../connectors/kafka-admin.js';
import { transactionalId } from '../../contracts/names.js';
import { testTopicPlan } from '../support/topic-plan.js';
import { createKafka } from '../../connectors/kafka-client.js';
import { TransactionalSink } from '../../connectors/kafka-sink.js';
import { withValue, type Envelope } from '../../contracts/envelope.js';
import { FencedError } from '../../contracts/errors.js';
import { silentLogger } from '../../contracts/logger.js';
import { loadTopology } from '../../engine/topology-loader.js';
import { countTopology } from '../support/count-run.js';
import { readCommittedReference } from '../support/reference-reader.js';
import { brokers, createTopic, redisUrl, servicesForFile, uniqueName } from './support/services.js';

/**
 * Weir's transactional sink on the real broker: a commit makes outputs, changelog records and the input offset visible
 * together; a second sink of the same input partition fences the first at connect, and the first's next commit fails
 * with Weir's FencedError (its own classification of the broker's answer) and leaves nothing behind.
 */

const services = servicesForFile();

// A recent timestamp: records older than the topic's retention (7 days) are deleted with their segment at once.
const envelope = (seq: number): Envelope<unknown> => withValue({ key: `k${seq}`, value: null, timestamp: Date.now(), headers: {}, origin: { topic: 'in', partition: 0, offset: String(seq) } }, { key: `k${seq}`, count: 1, seq });

test('a commit writes outputs, changelog and offset at once; a new owner fences the old one, whose commit then fails', { timeout: 120_000 }, async () => {
  const name = uniqueName('sink');
  const topology = await loadTopology(countTopology, { env: { TOPOLOGY_NAME: name, INPUT_TOPIC: `${name}.in`, OUTPUT_TOPIC: `${name}.out`, REJECTED_TOPIC: `${name}.dlq`, REDIS_URL: redisUrl } });
  await createTopic(services.admin, topology.source.kafka.topic, 1);
  const kafka = createKafka({ brokers, clientId: name, logger: silentLogger });
  const layout = await prepareTopics(kafka, topology, testTopicPlan(topology));
  const group = `weir.${name}`;
  // A committed transaction's offsets become visible once the coordinator has written its markers, just after EndTxn.
  const committedBecomes = async (offset: string): Promise<void> => {
    const deadline = Date.now() + 10_000;
    let seen: string | undefined;
    while ((seen = await committedOffset(services.admin, group, topology.source.kafka.topic, 0)) !== offset) {
      if (Date.now() > deadline) assert.fail(`committed offset ${seen}, expected ${offset}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const options = { sourceTopic: topology.source.kafka.topic, transactionalId: transactionalId(topology, 0), group };
  const first = new TransactionalSink(kafka, topology, layout, 0, options);
  const second = new TransactionalSink(kafka, topology, layout, 0, options);
  try {
    await first.connect();
    const { changelog } = await first.commit({ outputs: new Map([['default', [envelope(0), envelope(1)]]]), mutations: [{ kind: 'put', operator: 'count-by-key', key: 'k0', value: Buffer.from('1') }], nextOffset: '2', tick: 0, internal: [] });
    assert.equal(changelog['count-by-key'], '0', 'the changelog offset of the commit comes back');
    await committedBecomes('2');

    await second.connect();
    await assert.rejects(
      first.commit({ outputs: new Map([['default', [envelope(2)]]]), mutations: [{ kind: 'put', operator: 'count-by-key', key: 'k2', value: Buffer.from('1') }], nextOffset: '3', tick: 0, internal: [] }),
      (error: unknown) => error instanceof FencedError,
    );
    assert.equal(await committedOffset(services.admin, group, topology.source.kafka.topic, 0), '2', 'the fenced commit moved no offset');

    await second.commit({ outputs: new Map([['default', [envelope(3)]]]), mutations: [], nextOffset: '4', tick: 0, internal: [] });
    const outputs = await readCommittedReference(brokers, topology.outputs.default?.kafka.topic as string);
    assert.deepEqual(outputs.map((record) => record.key), ['k0', 'k1', 'k3']);
    const changelogRecords = await readCommittedReference(brokers, `weir.${name}.count-by-key.changelog`);
    assert.deepEqual(changelogRecords.map((record) => `${record.key}=${record.value}`), ['k0=1']);
    await committedBecomes('4');
  } finally {
    await first.close();
    await second.close();
  }
});
