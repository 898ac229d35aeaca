import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { kafkaStreams, rawLoop, weir, type Contender } from './contenders.js';
import { brokers, committedSum, createTopics, deleteTopics, freshTopicsName, kafka, produceEdges, sleep, stopChild } from './kit.js';
import { expectedCounts } from './runs.js';

/**
 * When bench/peer.ts counts more committed output than input: runs one contender on fresh topics and lists
 * each valid EdgeEvent the output holds more than once, with the partition and offset of every copy, read
 * with read_committed by @confluentinc/kafka-javascript (correct on aborted transactions). Copies at
 * different offsets were written by the contender in committed transactions; the same offset twice would be
 * the reader's doing.
 *
 *   node --import tsx bench/peer/find-duplicates.ts <weir|kafka-streams|raw-kafkajs|raw-confluent|raw-platformatic> [records=50000] [runs=3]
 */
const [label = 'weir', recordsArg = '50000', runsArg = '3'] = process.argv.slice(2);
const records = Number(recordsArg);
const classpath = (): string => execFileSync('bash', [fileURLToPath(new URL('./build.sh', import.meta.url))]).toString().trim();
const contenders: Record<string, () => Contender> = {
  weir: () => weir,
  'kafka-streams': () => kafkaStreams(classpath()),
  'raw-kafkajs': () => rawLoop('kafkajs'),
  'raw-confluent': () => rawLoop('confluent'),
  'raw-platformatic': () => rawLoop('platformatic'),
};
const contender = contenders[label]?.();
if (contender === undefined) throw new TypeError(`unknown contender ${label}`);

const admin = kafka.admin();
await admin.connect();
for (let run = 1; run <= Number(runsArg); run++) {
  const topics = await createTopics(admin, freshTopicsName(), 4);
  try {
    const producer = kafka.producer();
    await producer.connect();
    await produceEdges(producer, topics.input, 0, records);
    await producer.disconnect();
    const child = contender.start(topics);
    while ((await committedSum(admin, contender.group(topics), topics.input)) < records) await sleep(200);
    await stopChild(child);
    const copies = new Map<string, string[]>();
    const client = new KafkaJS.Kafka({ kafkaJS: { brokers, logLevel: KafkaJS.logLevel.NOTHING } });
    const reader = client.consumer({ kafkaJS: { groupId: `${topics.name}.duplicates`, fromBeginning: true, readUncommitted: false, autoCommit: false } });
    await reader.connect();
    await reader.subscribe({ topics: [topics.output] });
    let seen = 0;
    await reader.run({
      eachMessage: async ({ partition, message }) => {
        seen++;
        const id = (JSON.parse(String(message.value)) as { edge_id: string }).edge_id;
        copies.set(id, [...(copies.get(id) ?? []), `${partition}@${message.offset}`]);
      },
    });
    const expected = expectedCounts(records).valid;
    let idle = 0;
    for (let last = -1; idle < 20; await sleep(500)) {
      idle = seen === last && seen >= expected ? idle + 1 : 0;
      last = seen;
    }
    await reader.disconnect();
    const duplicated = [...copies].filter(([, at]) => at.length > 1);
    console.log(`run ${run} ${label}: ${seen} valid records read, ${copies.size} distinct of ${expected}, ${duplicated.length} duplicated`);
    for (const [id, at] of duplicated.slice(0, 5)) console.log(`  ${id} at ${at.join(', ')}`);
  } finally {
    await deleteTopics(admin, topics);
  }
}
await admin.disconnect();
