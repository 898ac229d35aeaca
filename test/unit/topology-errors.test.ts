import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TopologyError } from '../../contracts/errors.js';
import { loadTopology } from '../../engine/topology-loader.js';

/**
 * Malformed topologies: each fixture has one mistake, and the loader must name the file, line:column,
 * path and what was expected. An empty registry keeps "known operators" to the fixtures' plugins.
 */

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/topologies/malformed/${name}.yaml`, import.meta.url));
const load = (name: string, env: Record<string, string> = {}) => loadTopology(fixture(name), { registry: new Map(), env });

async function assertIssues(name: string, expected: readonly string[]): Promise<void> {
  const file = fixture(name);
  await assert.rejects(load(name), (error: unknown) => {
    assert.ok(error instanceof TopologyError, `expected a TopologyError, got ${String(error)}`);
    assert.equal(error.message, expected.map((issue) => `${file}:${issue}`).join('\n'));
    return true;
  });
}

describe('malformed topologies', () => {
  it('reports a YAML syntax error with its position', async () => {
    await assertIssues('yaml-syntax', ['4:1: YAML: Flow map in block collection must be sufficiently indented and end with a }']);
  });

  it('reports a duplicate key at the repeated key', async () => {
    await assertIssues('duplicate-key', ['10:3: YAML: Map keys must be unique']);
  });

  it('reports an unknown top-level key', async () => {
    await assertIssues('unknown-top-level-key', ["10:1: parallelism: unknown key 'parallelism'"]);
  });

  it('reports an unknown key inside source.kafka', async () => {
    await assertIssues('unknown-source-key', ["6:5: source.kafka.groupId: unknown key 'groupId'"]);
  });

  it('reports a missing required source', async () => {
    await assertIssues('missing-source', ['1:1: source: missing (expected object)']);
  });

  it('reports a value of the wrong type', async () => {
    await assertIssues('wrong-type', ['10:19: commitIntervalMs: Invalid input: expected number, received string']);
  });

  it('reports an unknown operator and lists the known ones', async () => {
    await assertIssues('unknown-operator', ["7:5: pipeline[1].count-by-kee: unknown operator 'count-by-kee'; known operators: count-by-key, fail-on"]);
  });

  it('reports a step that names two operators', async () => {
    await assertIssues('two-operators', ["6:5: pipeline[0]: a step names exactly one operator, found 'fail-on', 'count-by-key'"]);
  });

  it("reports an operator config error at the operator's field", async () => {
    await assertIssues('operator-config', ['8:14: pipeline[1].fail-on.field: Invalid input: expected string, received number']);
  });

  it('reports a ${VAR} without default that is not set', async () => {
    await assertIssues('missing-variable', ['11:17: state.redis.url: environment variable ${WEIR_TEST_UNSET_REDIS_URL} is not set and has no default (write ${NAME:-default})']);
  });

  it('reports each missing ${VAR} once, without the type error it causes', async () => {
    await assertIssues('interpolation', [
      '10:21: metrics.address: environment variable ${WEIR_TEST_PORT} is not set and has no default (write ${NAME:-default})',
      '11:19: commitIntervalMs: environment variable ${WEIR_TEST_INTERVAL} is not set and has no default (write ${NAME:-default})',
    ]);
  });

  it('fills ${VAR:-default}, and a value that is one ${VAR} alone takes the type its text reads as', async () => {
    const topology = await load('interpolation', { WEIR_TEST_PORT: '9999', WEIR_TEST_INTERVAL: '250' });
    assert.equal(topology.source.kafka.topic, 'events.in');
    assert.equal(topology.metrics.address, '127.0.0.1:9999');
    assert.equal(topology.commitIntervalMs, 250);
    const overridden = await load('interpolation', { WEIR_TEST_PORT: '1', WEIR_TEST_INTERVAL: '1', WEIR_TEST_INPUT_TOPIC: 'events.other' });
    assert.equal(overridden.source.kafka.topic, 'events.other');
  });

  it('reports a missing default output', async () => {
    await assertIssues('missing-default-output', ['8:3: outputs: a `default` output is required: where the end of the pipeline goes']);
  });

  it('reports a missing rejected output', async () => {
    await assertIssues('missing-rejected-output', ['8:3: outputs: a `rejected` output (dead-letter topic) is required: records that cannot be decoded or processed go there']);
  });

  it('reports a side output that no output routes', async () => {
    await assertIssues('side-output-not-routed', ["7:15: pipeline[1].alert-on: emits to output 'alerts', which `outputs` does not define"]);
  });

  it('reports a plugin module that does not export an operator', async () => {
    await assertIssues('plugin-not-operator', ["2:39: plugins[1]: module '../plugins/not-an-operator.ts' must export an operator definition (or a list of them) as default"]);
  });

  it('reports a plugin that throws while it loads, and one that does not exist, each at its entry', async () => {
    const file = fixture('plugin-fails-to-import');
    await assert.rejects(load('plugin-fails-to-import'), (error: unknown) => {
      assert.ok(error instanceof TopologyError);
      const lines = error.message.split('\n');
      assert.equal(lines[0], `${file}:2:11: plugins[0]: cannot load plugin '../plugins/fails-to-import.ts': this plugin cannot initialise: missing model file`);
      assert.match(lines[1] ?? '', new RegExp(`^${file}:2:42: plugins\\[1\\]: cannot load plugin '../plugins/does-not-exist.ts': Cannot find module`));
      return true;
    });
  });

  it('reports a file that cannot be read, naming it', async () => {
    const missing = fixture('no-such-file');
    await assert.rejects(loadTopology(missing), (error: unknown) => {
      assert.ok(error instanceof TopologyError);
      assert.equal(error.message, `${missing}: cannot read the file: ENOENT: no such file or directory, open '${missing}'`);
      return true;
    });
  });

  it('reports every mistake in sinks at its place: no from, an unknown output, an unknown or second connector, a bad config', async () => {
    await assertIssues('sink-errors', [
      "11:12: sinks.no-from: missing 'from': the output whose records the sink writes (one of default, rejected)",
      "12:21: sinks.bad-from.from: output 'graph' is not defined in `outputs` (default, rejected)",
      "13:29: sinks.unknown.neo5j: unknown sink connector 'neo5j'; known connectors: file",
      "14:8: sinks.two: a sink names exactly one connector besides 'from', found 'file', 'other'; known connectors: file",
      '15:46: sinks.bad-config.file.path: Invalid input: expected string, received number',
    ]);
  });

  it('reports a bad topic name', async () => {
    await assertIssues('bad-topic-name', ['8:30: outputs.default.kafka.topic: a Kafka topic name: letters, digits, ".", "_" and "-"']);
  });
});
