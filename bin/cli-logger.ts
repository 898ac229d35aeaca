import { createLogger, silentLogger, type Logger } from '../contracts/logger.js';

/** Kafka client logs (every retry) only when asked for with WEIR_LOG_LEVEL; commands report their final error anyway. */
export function cliLogger(): Logger {
  return process.env.WEIR_LOG_LEVEL === undefined ? silentLogger : createLogger();
}
