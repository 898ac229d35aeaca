import { Kafka, logLevel } from 'kafkajs';
import { avroSchema } from '../schemas/avro.js';
import { startRawEosLoop } from './raw-eos-loop.js';

/** Child process of the benchmark: the raw KafkaJS loop, validating EdgeEvents with the same Avro schema. */
const [inputTopic, outputTopic, group, brokers = '127.0.0.1:9092'] = process.argv.slice(2);
if (inputTopic === undefined || outputTopic === undefined || group === undefined) {
  process.stderr.write('usage: raw-eos-worker <input> <output> <group> [brokers]\n');
  process.exit(2);
}
const edgeEvent = avroSchema('EdgeEvent');
const kafka = new Kafka({ clientId: 'raw-eos', brokers: brokers.split(','), logLevel: logLevel.WARN });
const loop = await startRawEosLoop({
  kafka,
  inputTopic,
  group,
  maxRecords: 500,
  commitIntervalMs: 100,
  route: ({ key, value, timestamp }) => {
    const record: unknown = value === null ? undefined : JSON.parse(value.toString());
    return edgeEvent.isValid(record) ? { topic: outputTopic, key, value: Buffer.from(JSON.stringify(record)), headers: {}, timestamp } : undefined;
  },
});
process.once('SIGTERM', () => void loop.stop().then(() => process.exit(0)));
