import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { transactionalId } from '../../contracts/names.js';
import { loadTopology } from '../../engine/topology-loader.js';
import { runWeir, type WeirRun } from '../support/weir-cli.js';

/** The `weir` command as a user runs it: a child process, its output and exit code. */

const root = fileURLToPath(new URL('../../', import.meta.url));

const weir = (args: readonly string[], env: Record<string, string> = {}): Promise<WeirRun> => runWeir(args, { env });

const full = 'test/fixtures/topologies/full.yaml';

describe('weir CLI', () => {
  it('prints the usage for --help, and for a command with --help', async () => {
    const top = await weir(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /^Usage:$/m);
    const command = await weir(['produce', '--help']);
    assert.equal(command.code, 0);
    assert.equal(command.stdout, top.stdout);
  });

  it('exits 2 for an unknown command or a wrong call', async () => {
    const unknown = await weir(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^weir: unknown command 'frobnicate'$/m);
    const missing = await weir(['validate']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^weir validate: missing <topology\.yaml>$/m);
    const badOption = await weir(['consume', 'topic', '--max', 'ten']);
    assert.equal(badOption.code, 2);
    assert.match(badOption.stderr, /^weir consume: --max expects a non-negative integer, got 'ten'$/m);
  });

  it('validate prints ok with the operator count', async () => {
    const result = await weir(['validate', full]);
    assert.deepEqual(result, { code: 0, stdout: 'ok: full (4 operators)\n', stderr: '' });
  });

  it('validate prints every issue as file:line:col: path: message and exits 1', async () => {
    const file = 'test/fixtures/topologies/malformed/interpolation.yaml';
    const result = await weir(['validate', file]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      `${file}:10:21: metrics.address: environment variable \${WEIR_TEST_PORT} is not set and has no default (write \${NAME:-default})\n` +
        `${file}:11:19: commitIntervalMs: environment variable \${WEIR_TEST_INTERVAL} is not set and has no default (write \${NAME:-default})\n`,
    );
  });

  it('describe prints the dataflow and the Kafka and state names it uses', async () => {
    const result = await weir(['describe', full]);
    assert.equal(result.code, 0);
    assert.equal(
      result.stdout,
      `topology full (${full})
source   kafka topic sensor.readings, format json, group weir.full, new group starts at the end
         event time: payload field measuredAt
pipeline
  1. fail-on: Fails on chosen records (test fixture).
     config {"field":"seq","value":-1}
  2. count-by-key [stateful]: Counts records per key (test fixture).
     config {"field":"sensor"}
     changelog weir.full.count-by-key.changelog
  3. alert-on: Copies records above a threshold to \`alerts\` (test fixture).
     config {"field":"level","above":3}
     side outputs: alerts → sensor.alerts
  4. count-by-key-2 [count-by-key, stateful]: Counts records per key (test fixture).
     config {"field":"key"}
     changelog weir.full.count-by-key-2.changelog
outputs
  default  → sensor.counts (json; transactional: written in the batch transaction)
  rejected → sensor.dlq (json; transactional: written in the batch transaction)
  alerts   → sensor.alerts (json; transactional: written in the batch transaction)
guarantee exactly-once, transactional id weir.full.sensor.readings.<partition>
commit   every 250 ms or 200 records / 65536 bytes
state    redis redis://:***@redis.internal:6379/0
metrics  http://0.0.0.0:9464/metrics
`,
    );
  });

  it('describe --json gives the same as data; at-least-once has no transactional id', async () => {
    const result = await weir(['describe', '--json', full], { WEIR_TEST_COMMIT_MS: '50' });
    assert.equal(result.code, 0);
    const description = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(description.commitIntervalMs, 50);
    assert.equal(description.transactionalIdPattern, 'weir.full.sensor.readings.<partition>');
    const topology = await loadTopology(`${root}${full}`);
    assert.equal((description.transactionalIdPattern as string).replace('<partition>', '7'), transactionalId(topology, 7), 'the pattern the sink uses');
    assert.deepEqual(description.steps, [
      { id: 'fail-on', operator: 'fail-on', summary: 'Fails on chosen records (test fixture).', stateful: false, sideOutputs: [], config: { field: 'seq', value: -1 }, changelogTopic: null },
      { id: 'count-by-key', operator: 'count-by-key', summary: 'Counts records per key (test fixture).', stateful: true, sideOutputs: [], config: { field: 'sensor' }, changelogTopic: 'weir.full.count-by-key.changelog' },
      { id: 'alert-on', operator: 'alert-on', summary: 'Copies records above a threshold to `alerts` (test fixture).', stateful: false, sideOutputs: ['alerts'], config: { field: 'level', above: 3 }, changelogTopic: null },
      { id: 'count-by-key-2', operator: 'count-by-key', summary: 'Counts records per key (test fixture).', stateful: true, sideOutputs: [], config: { field: 'key' }, changelogTopic: 'weir.full.count-by-key-2.changelog' },
    ]);
    assert.deepEqual(description.state, { backend: 'redis', url: 'redis://:***@redis.internal:6379/0' });

    const atLeastOnce = await weir(['describe', '--json', full], { WEIR_TEST_GUARANTEE: 'at-least-once' });
    assert.equal((JSON.parse(atLeastOnce.stdout) as Record<string, unknown>).transactionalIdPattern, null);
    const text = await weir(['describe', full], { WEIR_TEST_GUARANTEE: 'at-least-once' });
    assert.match(text.stdout, /^guarantee at-least-once$/m);
  });

  it('describe of an invalid topology prints its issues and exits 1', async () => {
    const result = await weir(['describe', 'test/fixtures/topologies/malformed/wrong-type.yaml']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'test/fixtures/topologies/malformed/wrong-type.yaml:10:19: commitIntervalMs: Invalid input: expected number, received string\n');
  });
});
