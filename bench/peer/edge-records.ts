import { encodeWireFormat, schemaId } from '../../schemas/avro.js';

/**
 * The benchmark's input: EdgeEvents in the wire format (magic byte 0, schema id, Avro body), deterministic
 * from their sequence number, with every 20th record (5 %) invalid in one of the ways below, in turn.
 * Both validators (Weir's and the Kafka Streams peer's) must reject exactly these.
 */
export const invalidKinds = [
  'duplicate-node',
  'one-node',
  'empty-edge-id',
  'empty-node',
  'nan-weight',
  'json-payload',
  'wrong-schema-id',
  'truncated',
  'trailing-bytes',
  'bad-utf8',
  'long-beyond-2^53',
] as const;

export type InvalidKind = (typeof invalidKinds)[number];

export const invalidEvery = 20;

export function edgeEvent(seq: number, eventTime: number): { edge_id: string; tenant: string; node_ids: string[]; weight: number; event_time: number } {
  return { edge_id: `e${seq}`, tenant: `t${seq % 5}`, node_ids: [`n${seq % 1000}`, `n${(seq * 7 + 1) % 1000}`, `n${(seq * 13 + 2) % 1000 + 1000}`], weight: (seq % 100) / 10, event_time: eventTime };
}

/** The kind of fault record `seq` carries, or undefined for a valid one. */
export function faultOf(seq: number): InvalidKind | undefined {
  return seq % invalidEvery === invalidEvery - 1 ? invalidKinds[Math.floor(seq / invalidEvery) % invalidKinds.length] : undefined;
}

export function edgeRecord(seq: number, eventTime: number): Buffer {
  const kind = faultOf(seq);
  return kind === undefined ? encodeWireFormat('EdgeEvent', edgeEvent(seq, eventTime)) : faultyRecord(kind, seq, eventTime);
}

export function faultyRecord(kind: InvalidKind, seq: number, eventTime: number): Buffer {
  const event = edgeEvent(seq, eventTime);
  switch (kind) {
    case 'duplicate-node':
      return encodeWireFormat('EdgeEvent', { ...event, node_ids: [event.node_ids[0], event.node_ids[1], event.node_ids[0]] });
    case 'one-node':
      return encodeWireFormat('EdgeEvent', { ...event, node_ids: [event.node_ids[0]] });
    case 'empty-edge-id':
      return encodeWireFormat('EdgeEvent', { ...event, edge_id: '' });
    case 'empty-node':
      return encodeWireFormat('EdgeEvent', { ...event, node_ids: [event.node_ids[0], ''] });
    case 'nan-weight':
      return encodeWireFormat('EdgeEvent', { ...event, weight: Number.NaN });
    case 'json-payload':
      return Buffer.from(JSON.stringify(event));
    case 'wrong-schema-id': {
      const record = encodeWireFormat('EdgeEvent', event);
      record.writeUInt32BE(schemaId('EdgeEvent') + 100, 1);
      return record;
    }
    case 'truncated': {
      const record = encodeWireFormat('EdgeEvent', event);
      return record.subarray(0, record.length - 3);
    }
    case 'trailing-bytes':
      return Buffer.concat([encodeWireFormat('EdgeEvent', event), Buffer.from([0, 0])]);
    case 'bad-utf8': {
      // tenant "é" is the bytes c3 a9; c3 28 is not UTF-8
      const record = encodeWireFormat('EdgeEvent', { ...event, tenant: 'é' });
      record[record.indexOf(Buffer.from([0xc3, 0xa9])) + 1] = 0x28;
      return record;
    }
    case 'long-beyond-2^53': {
      // event_time is the last field: replace its varint with zigzag(2^60)
      const record = encodeWireFormat('EdgeEvent', { ...event, event_time: 0 });
      return Buffer.concat([record.subarray(0, record.length - 1), zigzagVarint(2n ** 60n)]);
    }
  }
}

function zigzagVarint(value: bigint): Buffer {
  let zigzag = value >= 0n ? value << 1n : (-value << 1n) - 1n;
  const bytes: number[] = [];
  while (zigzag >= 0x80n) {
    bytes.push(Number(zigzag & 0x7fn) | 0x80);
    zigzag >>= 7n;
  }
  bytes.push(Number(zigzag));
  return Buffer.from(bytes);
}
