import { readFile } from 'node:fs/promises';
import { Partitioners, type Message } from 'kafkajs';
import { topicExists } from '../../connectors/kafka-admin.js';
import { createKafka } from '../../connectors/kafka-client.js';
import { cliLogger } from '../cli-logger.js';
import { encodeWireFormat, schemaNames, type SchemaName } from '../../schemas/avro.js';
import { RecordValidator } from '../../schemas/record-validator.js';
import { brokerList, choiceOption, parseCommandArgs, UsageError } from '../args.js';

/** How many records go in one produce request. */
const chunkSize = 1000;
/** Bad lines printed before the rest are only counted. */
const shownErrors = 10;

/** Why a line's value cannot be sent. */
export class InvalidValue extends Error {}

/** Turns a line's JSON value into the record value, or throws `InvalidValue`. */
export type ValueEncoder = (value: unknown) => Buffer | string;

/** `--format json`: the line is the record value. */
export const jsonEncoder: ValueEncoder = (value) => JSON.stringify(value);

/** `--format bytes`: the line is a JSON string holding the value as base64. */
export const base64Encoder: ValueEncoder = (value) => {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    throw new InvalidValue('with --format bytes, each line must be a JSON string of base64');
  }
  return Buffer.from(value, 'base64');
};

/** `--avro <Schema>`: the line is the JSON form of a record of schemas/<Schema>.avsc, checked and sent in the wire format. */
export function avroEncoder(name: string): ValueEncoder {
  const known: readonly string[] = schemaNames();
  if (!known.includes(name)) throw new UsageError(`--avro expects one of ${known.join(', ')}, got '${name}'`);
  const schema = name as SchemaName;
  const validator = new RecordValidator(schema);
  return (value) => {
    const checked = validator.check(value);
    if (!checked.ok) throw new InvalidValue(`not a valid ${name}: ${checked.rejection.error}`);
    return encodeWireFormat(schema, checked.value);
  };
}

export interface JsonLinesOptions {
  readonly encode: ValueEncoder;
  /** Dotted path of the payload field whose value becomes the record key. */
  readonly keyField?: string;
}

export interface LineError {
  /** 1-based. */
  readonly line: number;
  readonly message: string;
}

/** Turns JSON lines into Kafka messages, one per non-blank line; every bad line is reported. */
export function parseJsonLines(text: string, options: JsonLinesOptions): { messages: Message[]; errors: LineError[] } {
  const messages: Message[] = [];
  const errors: LineError[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      errors.push({ line: index + 1, message: `not JSON: ${(error as Error).message}` });
      continue;
    }
    const message = toMessage(value, options);
    if (typeof message === 'string') errors.push({ line: index + 1, message });
    else messages.push(message);
  }
  return { messages, errors };
}

/** The message for one parsed line, or why there is none. */
function toMessage(value: unknown, options: JsonLinesOptions): Message | string {
  let key: string | null = null;
  if (options.keyField !== undefined) {
    const field = fieldAt(value, options.keyField);
    if (field === undefined || field === null) return `no key field '${options.keyField}'`;
    key = typeof field === 'string' ? field : JSON.stringify(field);
  }
  try {
    return { key, value: options.encode(value) };
  } catch (error) {
    if (error instanceof InvalidValue) return error.message;
    throw error;
  }
}

function fieldAt(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `weir produce <topic> [file.jsonl]`: sends JSON lines (from the file or stdin) to a topic with an idempotent
 * producer, as JSON, bytes (`--format bytes`) or Avro wire format (`--avro <Schema>`). Every line is checked
 * first: a file with a bad line sends nothing.
 */
export async function produce(args: string[]): Promise<number> {
  const { positionals, values } = parseCommandArgs(args, {
    positionals: ['topic'],
    optionalPositionals: ['file.jsonl'],
    options: { brokers: { type: 'string' }, 'key-field': { type: 'string' }, format: { type: 'string' }, avro: { type: 'string' } },
  });
  const [topic, file] = positionals as [string, string | undefined];
  const format = choiceOption('format', values.format, ['json', 'bytes'], 'json');
  const keyField = values['key-field'];
  if (format === 'bytes' && (keyField !== undefined || values.avro !== undefined)) throw new UsageError('--format bytes takes neither --key-field nor --avro');
  const encode = values.avro !== undefined ? avroEncoder(values.avro) : format === 'bytes' ? base64Encoder : jsonEncoder;
  const brokers = brokerList(values.brokers);

  const text = file === undefined ? await readStdin() : await readFile(file, 'utf8');
  const { messages, errors } = parseJsonLines(text, { encode, keyField });
  if (errors.length > 0) {
    const source = file ?? '<stdin>';
    for (const error of errors.slice(0, shownErrors)) process.stderr.write(`${source}:${error.line}: ${error.message}\n`);
    if (errors.length > shownErrors) process.stderr.write(`… and ${errors.length - shownErrors} more bad lines\n`);
    process.stderr.write(`nothing sent to ${topic}\n`);
    return 1;
  }

  if (messages.length > 0) {
    const kafka = createKafka({ brokers, clientId: 'weir-cli', logger: cliLogger() });
    if (!(await topicExists(kafka, topic))) {
      process.stderr.write(`topic '${topic}' does not exist; create it first\n`);
      return 1;
    }
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      for (let start = 0; start < messages.length; start += chunkSize) {
        await producer.send({ topic, acks: -1, messages: messages.slice(start, start + chunkSize) });
      }
    } finally {
      await producer.disconnect();
    }
  }
  process.stdout.write(`sent ${messages.length} record${messages.length === 1 ? '' : 's'} to ${topic}\n`);
  return 0;
}
