import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runWeir } from '../support/weir-cli.js';
import { WorkerProcess } from '../support/worker-process.js';
import { brokers, redisUrl, servicesForFile, uniqueName } from './support/services.js';

/**
 * The README's commands, run as a user would (only topic and group names made unique): the embedded quick start, and
 * the "Running on Kafka" walkthrough — create-topic, a worker, produce (refused whole on the line that is not JSON, then
 * the rest), consume of the results and of the dead letters.
 */

const services = servicesForFile();
const quickstart = fileURLToPath(new URL('../../topologies/quickstart.yaml', import.meta.url));
const sample = fileURLToPath(new URL('../../topologies/samples/edges.jsonl', import.meta.url));

/** What the sample's lines should give: valid edge ids and, per offset, the reason of each rejected line. */
const validIds = ['e1', 'e2', 'e5', 'e7'];
const rejectedReasons: Record<string, string> = { '2': 'constraint', '3': 'wrong-type', '5': 'missing-field', '7': 'undecodable', '8': 'constraint', '9': 'unknown-field' };

interface OutputLine {
  output: string;
  value: { edge_id?: string } | string;
  headers: Record<string, string>;
}

test('README set-up: the embedded quick start prints the valid edges and the rejected lines with their reasons, in input order', { timeout: 60_000 }, async () => {
  const run = await runWeir(['run', 'topologies/quickstart.yaml', '--embedded', '--input', 'topologies/samples/edges.jsonl']);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as OutputLine);
  assert.deepEqual(lines.filter((line) => line.output === 'default').map((line) => (line.value as { edge_id: string }).edge_id), validIds);
  const rejected = lines.filter((line) => line.output === 'rejected');
  assert.deepEqual(Object.fromEntries(rejected.map((line) => [line.headers['weir.origin.offset'], line.headers['weir.reason']])), rejectedReasons);
  assert.deepEqual(rejected.map((line) => Number(line.headers['weir.origin.offset'])), Object.keys(rejectedReasons).map(Number), 'dead letters in input order');
  assert.equal(rejected.find((line) => line.headers['weir.reason'] === 'undecodable')?.value, 'this line is not JSON', 'the original line');
});

test('README "Running on Kafka": create-topic, a worker, produce, consume results and dead letters', { timeout: 180_000 }, async () => {
  const name = uniqueName('readme');
  const env = { TOPOLOGY_NAME: name, INPUT_TOPIC: `${name}.ingest.edges`, OUTPUT_TOPIC: `${name}.edges.valid`, REJECTED_TOPIC: `${name}.ingest.dlq`, REDIS_URL: redisUrl, KAFKA_BROKERS: brokers.join(',') };
  const weir = (args: string[], stdin?: string) => runWeir(args, { env, ...(stdin === undefined ? {} : { stdin }) });

  const created = await weir(['create-topic', env.INPUT_TOPIC, '--partitions', '4']);
  assert.equal(created.code, 0, created.stderr);
  assert.deepEqual((await services.admin.fetchTopicMetadata({ topics: [env.INPUT_TOPIC] })).topics[0]?.partitions.length, 4);
  const again = await weir(['create-topic', env.INPUT_TOPIC, '--partitions', '4']);
  assert.equal(again.code, 1, 'creating it twice is an error');
  assert.match(again.stderr, /exists already; nothing changed/);

  const worker = new WorkerProcess(quickstart, env);
  worker.start();
  try {
    const refused = await weir(['produce', env.INPUT_TOPIC, sample]);
    assert.equal(refused.code, 1, 'a file with a line that is not JSON is refused');
    assert.match(refused.stderr, /edges.jsonl:8: not JSON/);
    assert.match(refused.stderr, /nothing sent/);
    const lines = (await readFile(sample, 'utf8')).split('\n').filter((line) => line !== '' && !line.includes('not JSON'));
    const produced = await weir(['produce', env.INPUT_TOPIC], lines.join('\n'));
    assert.equal(produced.code, 0, produced.stderr);

    const results = await weir(['consume', env.OUTPUT_TOPIC, '--from-beginning', '--max', String(validIds.length), '--timeout-ms', '60000']);
    assert.equal(results.code, 0, results.stderr);
    assert.deepEqual(parseLines(results.stdout).map((line) => (line.value as { edge_id: string }).edge_id).sort(), validIds);
    const dlq = await weir(['consume', env.REJECTED_TOPIC, '--from-beginning', '--max', '5', '--timeout-ms', '30000']);
    assert.equal(dlq.code, 0, dlq.stderr);
    const reasons = parseLines(dlq.stdout).map((line) => line.headers['weir.reason']).sort();
    assert.deepEqual(reasons, ['constraint', 'constraint', 'missing-field', 'unknown-field', 'wrong-type']);
  } finally {
    await worker.kill('SIGTERM');
  }
});

function parseLines(stdout: string): OutputLine[] {
  return stdout
    .trimEnd()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as OutputLine);
}
