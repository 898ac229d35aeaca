import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { schemaId } from '../../schemas/avro.js';
import { RecordValidator } from '../../schemas/record-validator.js';
import { edgeRecord, faultyRecord, invalidKinds } from './edge-records.js';

/**
 * Checks that the Kafka Streams peer rejects the same records as Weir's validate, for the same reason and
 * field: every fault kind of the benchmark's input, valid records, and seeded random corruptions of valid
 * records (bytes flipped, cut, appended). The error texts differ; for a record Avro cannot decode, Java's
 * decoder does not say which field, so only the reason is compared there.
 *
 *   node --import tsx bench/peer/compare-validation.ts [random-samples=3000]
 * Exits 1 on any disagreement.
 */

const avsc = fileURLToPath(new URL('../../schemas/EdgeEvent.avsc', import.meta.url));

export function samples(randomCount: number): Buffer[] {
  const records: Buffer[] = [];
  for (let seq = 0; seq < 400; seq++) records.push(edgeRecord(seq, 1_700_000_000_000 + seq));
  for (const kind of invalidKinds) for (let seq = 0; seq < 5; seq++) records.push(faultyRecord(kind, seq, 1_700_000_000_000));
  let state = 0x2545f491;
  const random = (below: number): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % below;
  };
  for (let index = 0; index < randomCount; index++) {
    const record = Buffer.from(edgeRecord(index * 20, 1_700_000_000_000 + index)); // valid ones
    const corruption = random(3);
    if (corruption === 0) {
      for (let flips = 1 + random(3); flips > 0; flips--) record[5 + random(record.length - 5)] = random(256);
      records.push(record);
    } else if (corruption === 1) records.push(record.subarray(0, 5 + random(record.length - 5)));
    else records.push(Buffer.concat([record, Buffer.from([random(256)])]));
  }
  return records;
}

export function weirVerdicts(records: readonly Buffer[]): string[] {
  const validator = new RecordValidator('EdgeEvent');
  return records.map((record) => {
    const checked = validator.check(record);
    return checked.ok ? 'ok' : `${checked.rejection.reason}\t${checked.rejection.field ?? ''}`;
  });
}

export function peerVerdicts(records: readonly Buffer[], classpath: string): string[] {
  const output = execFileSync('java', ['-cp', classpath, 'dev.weir.peer.CheckRecords', avsc, String(schemaId('EdgeEvent'))], {
    input: records.map((record) => record.toString('base64')).join('\n') + '\n',
    maxBuffer: 64 * 1024 * 1024,
  });
  return output.toString().replace(/\n$/, '').split('\n');
}

/** Same verdict: same reason, and same field unless Avro's decoder failed (it names no field). */
function agree(weir: string, peer: string): boolean {
  if (weir === peer) return true;
  const [weirReason] = weir.split('\t');
  const [peerReason, peerField] = peer.split('\t');
  return weirReason === 'bad-wire-format' && peerReason === 'bad-wire-format' && peerField === '';
}

export function compareValidation(classpath: string, randomCount: number): { records: number; rejected: number; disagreements: string[] } {
  const records = samples(randomCount);
  const weir = weirVerdicts(records);
  const peer = peerVerdicts(records, classpath);
  const disagreements: string[] = [];
  records.forEach((record, index) => {
    if (!agree(weir[index] as string, peer[index] ?? '(none)')) disagreements.push(`#${index} ${record.toString('hex')}: weir ${weir[index]} | peer ${peer[index]}`);
  });
  return { records: records.length, rejected: weir.filter((verdict) => verdict !== 'ok').length, disagreements };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const classpath = execFileSync('bash', [fileURLToPath(new URL('./build.sh', import.meta.url))]).toString().trim();
  const result = compareValidation(classpath, Number(process.argv[2] ?? 3000));
  console.log(`${result.records} records, ${result.rejected} rejected by Weir, ${result.disagreements.length} disagreements with the peer`);
  for (const line of result.disagreements.slice(0, 20)) console.log(line);
  process.exitCode = result.disagreements.length === 0 ? 0 : 1;
}
