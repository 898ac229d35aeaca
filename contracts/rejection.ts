import type { Envelope, Origin } from './envelope.js';

/** Why a record went to the `rejected` output; travels as `weir.*` headers with the untouched record. */
export interface Rejection {
  /** Short machine-readable reason, e.g. `undecodable`, `operator-error`, `missing-field`. */
  reason: string;
  /** Human-readable detail. */
  error: string;
  operator?: string;
  /** Path of the offending field, when there is one. */
  field?: string;
}

export const rejectionHeaders = {
  reason: 'weir.reason',
  error: 'weir.error',
  operator: 'weir.operator',
  field: 'weir.field',
  topic: 'weir.origin.topic',
  partition: 'weir.origin.partition',
  offset: 'weir.origin.offset',
} as const;

export function rejectionHeadersFor(rejection: Rejection, origin: Origin): Record<string, string> {
  const headers: Record<string, string> = {
    [rejectionHeaders.reason]: rejection.reason,
    [rejectionHeaders.error]: rejection.error,
    [rejectionHeaders.topic]: origin.topic,
    [rejectionHeaders.partition]: String(origin.partition),
    [rejectionHeaders.offset]: origin.offset,
  };
  if (rejection.operator !== undefined) headers[rejectionHeaders.operator] = rejection.operator;
  if (rejection.field !== undefined) headers[rejectionHeaders.field] = rejection.field;
  return headers;
}

/** The envelope as it goes to `rejected`: same key, time, origin and original bytes, plus the reason headers. */
export function rejectedEnvelope<T>(envelope: Envelope<T>, rejection: Rejection): Envelope<T> {
  return { ...envelope, headers: { ...envelope.headers, ...rejectionHeadersFor(rejection, envelope.origin) } };
}
