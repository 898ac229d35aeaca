import { Kafka, logLevel } from 'kafkajs';
import { startRawEosLoop } from '../raw-eos-loop.js';
import { edgeEventRouter } from './route-edge-event.js';

/**
 * Child process of bench/peer.ts: the raw consume → validate (Weir's RecordValidator) → transactional-produce
 * loop on one client, valid records to <output>, rejected ones to <dead-letter> with the reason headers.
 *
 *   node --import tsx bench/clients/loop-worker.ts <kafkajs|confluent|platformatic> <input> <output> <dead-letter> <group> [brokers]
 */
const [client, inputTopic, output, rejected, group, brokerList = '127.0.0.1:9092'] = process.argv.slice(2);
if (client === undefined || inputTopic === undefined || output === undefined || rejected === undefined || group === undefined) {
  process.stderr.write('usage: loop-worker <kafkajs|confluent|platformatic> <input> <output> <dead-letter> <group> [brokers]\n');
  process.exit(2);
}
const brokers = brokerList.split(',');
const route = edgeEventRouter(output, rejected);
const common = { inputTopic, group, commitIntervalMs: 100 };

type StartLoop = (options: Record<string, unknown>) => Promise<{ stop(): Promise<void> }>;

/**
 * The loops of the optional clients, loaded by a computed name: they need @confluentinc/kafka-javascript and
 * @platformatic/kafka, which the project does not install (bench/peer/CLIENTS.md says how); bench/clients/tsconfig.json
 * type-checks them when they are there.
 */
function importOptional(module: string): Promise<unknown> {
  return import(new URL(module, import.meta.url).href);
}

async function start(): Promise<{ stop(): Promise<void> }> {
  switch (client) {
    case 'kafkajs':
      return startRawEosLoop({ kafka: new Kafka({ clientId: 'raw-kafkajs', brokers, logLevel: logLevel.WARN }), ...common, maxRecords: 500, route });
    case 'confluent': {
      const { startConfluentLoop } = (await importOptional('./confluent-loop.js')) as { startConfluentLoop: StartLoop };
      return startConfluentLoop({ ...common, brokers, maxRecords: 500, route });
    }
    case 'platformatic': {
      const { startPlatformaticLoop } = (await importOptional('./platformatic-loop.js')) as { startPlatformaticLoop: StartLoop };
      return startPlatformaticLoop({ ...common, brokers, maxBuffered: 2000, route });
    }
    default:
      throw new TypeError(`unknown client '${client}': kafkajs, confluent or platformatic`);
  }
}

const loop = await start();
process.once('SIGTERM', () => void loop.stop().then(() => process.exit(0)));
