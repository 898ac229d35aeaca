import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../contracts/logger.js';
import { retryPolicySchema, type RetryPolicy } from '../contracts/retry.js';

/** The Kafka client, its logs routed into Weir's JSON logs. All Kafka access goes through connectors/. */
/** `retry`: the topology's policy, which the client applies to its own requests (KafkaJS takes the same shape). */
export function createKafka(options: { brokers: readonly string[]; clientId: string; logger: Logger; retry?: RetryPolicy }): Kafka {
  const logger = options.logger.child({ component: 'kafka' });
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...fields } = entry.log;
      const line = `${entry.namespace}: ${message}`;
      // Retries are bounded on purpose: a send that gives up aborts its transaction and the partition's
      // producer is re-initialised, so no sequence gap survives. The client's warning about it is noise here.
      if (message.startsWith('Limiting retries for the idempotent producer')) return logger.debug(line, fields);
      if (entry.level <= logLevel.ERROR) logger.error(line, fields);
      else logger.warn(line, fields);
    },
    retry: { ...(options.retry ?? retryPolicySchema.parse({})) },
  });
}
