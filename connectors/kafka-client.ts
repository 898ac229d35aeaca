import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../engine/logger.js';

/** The Kafka client, its logs routed into Weir's JSON logs. All Kafka access goes through connectors/. */
export function createKafka(options: { brokers: readonly string[]; clientId: string; logger: Logger }): Kafka {
  const logger = options.logger.child({ component: 'kafka' });
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...fields } = entry.log;
      const line = `${entry.namespace}: ${message}`;
      if (entry.level <= logLevel.ERROR) logger.error(line, fields);
      else logger.warn(line, fields);
    },
    retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 5_000 },
  });
}
