import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { topicExists } from '../../connectors/kafka-admin.js';
import { createKafka } from '../../connectors/kafka-client.js';
import { cliLogger } from '../cli-logger.js';
import { brokerList, choiceOption, integerOption, parseCommandArgs } from '../args.js';

/** One consumed record as `weir consume` prints it, one JSON object per line. */
export interface PrintedRecord {
  readonly key: string | null;
  /** The parsed JSON value; base64 text with `--format bytes` or when the value is not JSON; `null` for a tombstone. */
  readonly value: unknown;
  readonly headers: Record<string, string | string[]>;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: number;
}

export function toPrintedRecord(message: KafkaMessage, partition: number, format: 'json' | 'bytes'): { record: PrintedRecord; notJson: boolean } {
  let value: unknown = null;
  let notJson = false;
  if (message.value !== null) {
    value = message.value.toString('base64');
    if (format === 'json') {
      try {
        value = JSON.parse(message.value.toString('utf8'));
      } catch {
        notJson = true;
      }
    }
  }
  const record = {
    key: message.key === null ? null : message.key.toString('utf8'),
    value,
    headers: headerStrings(message.headers ?? {}),
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
  };
  return { record, notJson };
}

function headerStrings(headers: IHeaders): Record<string, string | string[]> {
  const strings: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    strings[name] = Array.isArray(value) ? value.map((item) => item.toString()) : value.toString();
  }
  return strings;
}

/**
 * `weir consume <topic>`: prints committed records (read_committed) as JSON lines until `--max` records,
 * `--timeout-ms` without a record once the consumer has joined its group, or SIGINT/SIGTERM.
 * Without `--group` it reads in a throwaway group that commits nothing.
 */
export async function consume(args: string[]): Promise<number> {
  const { positionals, values } = parseCommandArgs(args, {
    positionals: ['topic'],
    options: {
      brokers: { type: 'string' },
      'from-beginning': { type: 'boolean' },
      max: { type: 'string' },
      'timeout-ms': { type: 'string' },
      group: { type: 'string' },
      format: { type: 'string' },
    },
  });
  const topic = positionals[0] as string;
  const max = integerOption('max', values.max);
  const idleMs = integerOption('timeout-ms', values['timeout-ms']);
  const format = choiceOption('format', values.format, ['json', 'bytes'], 'json');
  const brokers = brokerList(values.brokers);

  const kafka = createKafka({ brokers, clientId: 'weir-cli', logger: cliLogger() });
  if (!(await topicExists(kafka, topic))) {
    process.stderr.write(`topic '${topic}' does not exist; create it first\n`);
    return 1;
  }
  const consumer = kafka.consumer({ groupId: values.group ?? `weir-cli-${randomUUID()}`, readUncommitted: false, allowAutoTopicCreation: false });

  let finish: (error?: unknown) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = (error) => (error === undefined ? resolve() : reject(error));
  });
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdleTimer = (): void => {
    if (idleMs === undefined) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => finish(), idleMs);
  };
  const stop = (): void => finish();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  consumer.on(consumer.events.GROUP_JOIN, armIdleTimer);
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) finish(event.payload.error);
  });

  let printed = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: values['from-beginning'] === true });
    if (max === 0) finish();
    await consumer.run({
      autoCommit: values.group !== undefined,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        for (const message of batch.messages) {
          if ((max !== undefined && printed >= max) || !isRunning() || isStale()) break;
          const { record, notJson } = toPrintedRecord(message, batch.partition, format);
          if (notJson) process.stderr.write(`partition ${batch.partition} offset ${message.offset}: value is not JSON, printed as base64\n`);
          if (!process.stdout.write(`${JSON.stringify(record)}\n`)) await once(process.stdout, 'drain');
          resolveOffset(message.offset);
          printed += 1;
          armIdleTimer();
        }
        await heartbeat();
        if (max !== undefined && printed >= max) finish();
      },
    });
    await finished;
  } finally {
    clearTimeout(idleTimer);
    process.off('SIGINT', stop).off('SIGTERM', stop);
    await consumer.disconnect();
  }
  return 0;
}
