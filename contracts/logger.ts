/** JSON-lines logging: one object per line on stderr, with fixed fields bound per component. */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  fields?: Record<string, unknown>;
}

function serialiseError(value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = levelRank[options.level ?? ((process.env.WEIR_LOG_LEVEL as LogLevel | undefined) ?? 'info')] ?? levelRank.info;
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const bound = options.fields ?? {};
  const log = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (levelRank[level] < threshold) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, msg: message, ...bound };
    if (fields !== undefined) for (const [name, value] of Object.entries(fields)) entry[name] = serialiseError(value);
    write(`${JSON.stringify(entry)}\n`);
  };
  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    child: (fields) => createLogger({ ...options, fields: { ...bound, ...fields } }),
  };
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ level: 'error', write: () => undefined });
