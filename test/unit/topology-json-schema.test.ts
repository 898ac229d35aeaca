import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { topologyJsonSchema } from '../../engine/topology-json-schema.js';
import { createRegistry } from '../../operators/registry.js';
import countByKey from '../fixtures/operators/count-by-key.js';
import failOn from '../fixtures/operators/fail-on.js';
import alertOn from '../fixtures/topologies/plugins/alert-on.js';

const readText = (path: string): Promise<string> => readFile(new URL(path, import.meta.url), 'utf8');
const sample = async (): Promise<Record<string, unknown>> => parse(await readText('../fixtures/topologies/full.yaml')) as Record<string, unknown>;

function validator(schema: object): (document: unknown) => string[] {
  const validate = new Ajv({ allErrors: true }).compile(schema);
  return (document) =>
    validate(document)
      ? []
      : (validate.errors ?? []).map((error) => {
          const extra = (error.params as { additionalProperty?: string }).additionalProperty;
          return `${error.dataPath || '(root)'} ${error.message ?? ''}${extra === undefined ? '' : ` '${extra}'`}`;
        });
}

describe('topology JSON Schema', () => {
  it('is committed up to date (regenerate: node --import tsx scripts/generate-topology-schema.ts)', async () => {
    const committed: unknown = JSON.parse(await readText('../../schemas/topology.schema.json'));
    assert.deepEqual(committed, topologyJsonSchema());
  });

  it('accepts a sample topology with plugin operators and ${VAR} references', async () => {
    assert.deepEqual(validator(topologyJsonSchema())(await sample()), []);
  });

  describe('with operators registered', () => {
    const check = validator(topologyJsonSchema(createRegistry([failOn, countByKey, alertOn])));

    it('accepts the sample, including an operator left without config', async () => {
      assert.deepEqual(check(await sample()), []);
    });

    it("documents each operator's step with its summary and config fields", () => {
      const schema = topologyJsonSchema(createRegistry([alertOn]));
      const steps = (schema.properties as { pipeline: { items: { oneOf: Record<string, unknown>[] } } }).pipeline.items.oneOf;
      assert.equal(steps[0]?.description, 'Copies records above a threshold to `alerts` (test fixture). Side outputs: alerts.');
      assert.deepEqual((steps[0]?.properties as Record<string, { required: string[] }>)['alert-on']?.required, ['field', 'above']);
      assert.deepEqual((steps[1]?.propertyNames as { not: unknown }).not, { enum: ['alert-on'] });
    });

    it('rejects a bad operator config, an unknown key, a step with two operators and a missing rejected output', async () => {
      const document = await sample();
      const pipeline = document.pipeline as Record<string, unknown>[];
      pipeline[0] = { 'fail-on': { field: 7, value: 1 } };
      assert.ok(check(document).some((error) => error.startsWith('.pipeline[0]')));

      assert.deepEqual(check({ ...(await sample()), parallelism: 4 }), ["(root) should NOT have additional properties 'parallelism'"]);

      const twoOperators = await sample();
      (twoOperators.pipeline as Record<string, unknown>[])[0] = { 'fail-on': { field: 'a', value: 1 }, 'count-by-key': null };
      assert.ok(check(twoOperators).some((error) => error.startsWith('.pipeline[0]')));

      const noRejected = await sample();
      delete (noRejected.outputs as Record<string, unknown>).rejected;
      assert.deepEqual(check(noRejected), [".outputs should have required property 'rejected'"]);
    });

    it('accepts a ${VAR} where a number or an enum is expected, and nothing else that is not one', async () => {
      assert.deepEqual(check({ ...(await sample()), guarantee: '${GUARANTEE:-at-least-once}', commitIntervalMs: '${COMMIT_MS}' }), []);
      assert.ok(check({ ...(await sample()), commitIntervalMs: 'fast' }).length > 0);
    });
  });
});
