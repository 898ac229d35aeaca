import type { PayloadFormat } from '../contracts/topology-schema.js';

/** Turns record bytes into payloads and back, per the topology's `format`. */

export class PayloadDecodeError extends Error {}

/**
 * JSON is parsed; Avro stays as its wire-format bytes (the `validate` operator decodes it against its
 * schema); bytes stay bytes.
 */
export function decodePayload(bytes: Buffer | null, format: PayloadFormat): unknown {
  if (bytes === null) throw new PayloadDecodeError('record has no value (a tombstone)');
  if (format !== 'json') return bytes;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new PayloadDecodeError(`value is not JSON: ${(error as Error).message}`);
  }
}

/** Buffers inside JSON payloads are written as base64 strings. */
function jsonReplacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return Buffer.from((value as { data: number[] }).data).toString('base64');
  }
  return value;
}

export function encodePayload(value: unknown, format: PayloadFormat): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (format === 'json') return Buffer.from(JSON.stringify(value, jsonReplacer) ?? 'null');
  throw new TypeError(`a ${format} output needs Buffer payloads; got ${typeof value} (add an operator that encodes, or use format: json)`);
}
