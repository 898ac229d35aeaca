import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { endToEndLatency, producerPerfTest, type PerfResult } from './peer/broker-limit.js';
import { compareValidation } from './peer/compare-validation.js';
import { confluentAvailable, kafkaStreams, logFile, rawLoop, weir, type Contender, type RawClient } from './peer/contenders.js';
import { edgeRecord } from './peer/edge-records.js';
import { kafka, median, retrying } from './peer/kit.js';
import { expectedCounts, latencyAt, maxRate, type LatencyRun, type ThroughputRun } from './peer/runs.js';

/**
 * Weir against its peer, Kafka Streams (bench/peer/), and the raw consume → validate → transactional-produce
 * loop on three Node clients, on the same broker and machine, exactly-once, commit interval 100 ms:
 * 1. the peer's validator must agree with Weir's on a sample (compare-validation.ts);
 * 2. maximum throughput: fresh topics, `records` pre-produced wire-format EdgeEvents (5 % invalid), each
 *    contender in turn (the order rotates per round), records/s from its first commit to the last (and, with
 *    start-up and JIT warm-up left out, from 20 % committed to all), its CPU and the broker's, and the committed
 *    output counted with read_committed;
 * 3. end-to-end latency (produce → visible to a read_committed consumer) at 25/50/75 % of the lower of Weir's
 *    and Kafka Streams' median maximum, every contender at the same rates, and the raw loops at a fixed rate;
 * 4. the broker's own limit: producer-perf-test (plain and transactional) and EndToEndLatency.
 * Prints medians and ratios to Kafka Streams. On a shared machine only same-run ratios mean anything.
 *
 *   npm run bench:peer -- [--records 100000] [--partitions 4] [--rounds 3] [--latency-seconds 20]
 *                         [--fixed-rate 5000] [--only weir,kafka-streams,...] [--no-latency] [--no-broker-limit]
 */

const { values: options } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    partitions: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    'latency-seconds': { type: 'string', default: '20' },
    'fixed-rate': { type: 'string', default: '5000' },
    only: { type: 'string' },
    'no-latency': { type: 'boolean', default: false },
    'no-broker-limit': { type: 'boolean', default: false },
  },
});
const records = Number(options.records);
const partitions = Number(options.partitions);
const rounds = Number(options.rounds);
const latencySeconds = Number(options['latency-seconds']);
const fixedRate = Number(options['fixed-rate']);
const load = (): string => loadavg()[0]!.toFixed(1);
const round0 = (value: number): string => (Number.isFinite(value) ? value.toFixed(0) : '–');
const fixed = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');

const classpath = execFileSync('bash', [fileURLToPath(new URL('./peer/build.sh', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] }).toString().trim();

const agreement = compareValidation(classpath, 3000);
console.log(`validators: ${agreement.records} sample records, ${agreement.rejected} rejected by Weir, ${agreement.disagreements.length} disagreements with the Kafka Streams peer`);
if (agreement.disagreements.length > 0) {
  for (const line of agreement.disagreements.slice(0, 10)) console.log(`  ${line}`);
  process.exit(1);
}

const clients: RawClient[] = (await confluentAvailable()) ? ['kafkajs', 'confluent', 'platformatic'] : ['kafkajs', 'platformatic'];
const rawClients = clients.map((client) => rawLoop(client));
if (rawClients.length < 3) console.log('raw-confluent left out: @confluentinc/kafka-javascript is not built (CKJS_LINKING=dynamic npm ci builds it)');
const streams = kafkaStreams(classpath);
const wanted = options.only?.split(',');
const contenders: Contender[] = [weir, streams, ...rawClients].filter((contender) => wanted === undefined || wanted.includes(contender.label));

const admin = kafka.admin();
await admin.connect();

// ── maximum throughput ──────────────────────────────────────────────────────────────────────────────────────
const expected = expectedCounts(records);
const runs = new Map<string, ThroughputRun[]>(contenders.map((contender) => [contender.label, []]));
console.log(`\nmaximum throughput: ${records} records (${expected.rejected} invalid), ${partitions} partitions, ${rounds} rounds, exactly-once`);
for (let round = 0; round < rounds; round++) {
  for (let index = 0; index < contenders.length; index++) {
    const contender = contenders[(index + round) % contenders.length] as Contender;
    const startLoad = load();
    try {
      const run = await retrying(contender.label, () => maxRate(admin, contender, records, partitions));
      const { output } = run;
      const countsOk = output.valid === expected.valid && output.rejected === expected.rejected;
      const verdict = countsOk
        ? 'exact'
        : `WRONG (expected ${expected.valid}+${expected.rejected}; distinct ${output.distinctValid}+${output.distinctRejected}, ${output.redelivered} redelivered by the reader)`;
      runs.get(contender.label)?.push(run);
      console.log(
        `  round ${round + 1} ${contender.label.padEnd(16)} ${round0(run.recordsPerSecond).padStart(7)} records/s (steady ${round0(run.steadyRecordsPerSecond).padStart(6)})  worker ${fixed(run.workerCpuPer100k)} s/100k  broker ${fixed(run.brokerCpuPer100k)} s/100k  ` +
          `output ${output.valid}+${output.rejected} ${verdict}  load ${startLoad}`,
      );
    } catch (error) {
      console.log(`  round ${round + 1} ${contender.label.padEnd(16)} FAILED: ${(error as Error).message}`);
    }
  }
}
const medians = new Map(
  [...runs].map(([label, list]) => [
    label,
    { rate: median(list.map((run) => run.recordsPerSecond)), steady: median(list.map((run) => run.steadyRecordsPerSecond)), worker: median(list.map((run) => run.workerCpuPer100k)), broker: median(list.map((run) => run.brokerCpuPer100k)), n: list.length },
  ]),
);
const peerRate = medians.get(streams.label)?.rate ?? Number.NaN;
const peerSteady = medians.get(streams.label)?.steady ?? Number.NaN;
console.log('\n  median of the rounds       records/s   ÷ kafka-streams   steady records/s   ÷ kafka-streams   worker CPU s/100k   broker CPU s/100k   runs');
for (const [label, result] of medians) {
  console.log(
    `  ${label.padEnd(24)} ${round0(result.rate).padStart(11)}   ${fixed(result.rate / peerRate).padStart(15)}   ${round0(result.steady).padStart(16)}   ${fixed(result.steady / peerSteady).padStart(15)}   ` +
      `${fixed(result.worker).padStart(17)}   ${fixed(result.broker).padStart(17)}   ${String(result.n).padStart(4)}`,
  );
}

// ── latency ───────────────────────────────────────────────────────────────────────────────────────────────────
if (!options['no-latency']) {
  const base = Math.min(medians.get(weir.label)?.rate ?? Infinity, peerRate);
  const points: { contender: Contender; rate: number; share: string }[] = [];
  if (Number.isFinite(base)) {
    for (const share of [0.25, 0.5, 0.75]) for (const contender of contenders) points.push({ contender, rate: Math.round(base * share), share: `${share * 100} %` });
  }
  if (fixedRate > 0) for (const contender of contenders.filter((entry) => entry.label.startsWith('raw-'))) points.push({ contender, rate: fixedRate, share: 'fixed' });
  console.log(`\nend-to-end latency (produce → visible to read_committed), ${latencySeconds} s per point; rates are shares of min(weir, kafka-streams) = ${round0(base)} records/s`);
  console.log('  contender                rate (share)          p50 ms   p99 ms   p99.9 ms   received/sent   load');
  for (const { contender, rate, share } of points) {
    const startLoad = load();
    try {
      const run: LatencyRun = await retrying(contender.label, () => latencyAt(admin, contender, rate, latencySeconds, partitions));
      console.log(
        `  ${contender.label.padEnd(24)} ${`${rate} (${share})`.padEnd(20)} ${String(run.p50).padStart(7)}  ${String(run.p99).padStart(7)}  ${String(run.p999).padStart(9)}   ${`${run.received}/${run.sent}`.padStart(13)}   ${startLoad}`,
      );
    } catch (error) {
      console.log(`  ${contender.label.padEnd(24)} ${`${rate} (${share})`.padEnd(20)} FAILED: ${(error as Error).message}`);
    }
  }
}

// ── the broker's own limit ───────────────────────────────────────────────────────────────────────────────────
if (!options['no-broker-limit']) {
  let bytes = 0;
  for (let seq = 0; seq < 1000; seq++) bytes += edgeRecord(seq, Date.now()).length;
  const recordSize = Math.round(bytes / 1000);
  console.log(`\nthe broker's own limit (kafka-tools 3.9.1), ${recordSize}-byte records like the input's average`);
  console.log('  tool                                          records/s   p50 ms   p99 ms   p99.9 ms   broker CPU s/100k');
  const tools: (() => Promise<PerfResult>)[] = [
    () => producerPerfTest(admin, classpath, Math.max(records * 5, 500_000), recordSize, partitions, false),
    () => producerPerfTest(admin, classpath, Math.max(records * 5, 500_000), recordSize, partitions, true),
    () => endToEndLatency(admin, classpath, 5_000, recordSize),
  ];
  for (const tool of tools) {
    try {
      const result = await retrying('broker limit', tool);
      console.log(`  ${result.label.padEnd(44)} ${round0(result.recordsPerSecond).padStart(10)}  ${String(result.p50).padStart(7)}  ${String(result.p99).padStart(7)}  ${String(result.p999).padStart(9)}   ${fixed(result.brokerCpuPer100k).padStart(17)}`);
    } catch (error) {
      console.log(`  FAILED: ${(error as Error).message}`);
    }
  }
}
await admin.disconnect();
console.log(`\ncontenders' logs: ${logFile}`);
console.log(`machine: ${process.env.HOSTNAME ?? 'local'}, load average now ${loadavg().map((value) => value.toFixed(1)).join(' ')}; shared with other work: compare ratios within this run, not absolute figures`);
