/**
 * Idempotent graph writes against the local Neo4j (deploy/local/stack up): the same MERGE of a
 * node pair and their relationship, run twice, creates them once; with a uniqueness constraint
 * that holds for concurrent MERGEs too. (Without the constraint, concurrent MERGEs of one key do
 * create duplicates: writers that may race need a constraint on the merged key.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import neo4j from 'neo4j-driver';
import type { Driver } from 'neo4j-driver';

const url = `bolt://127.0.0.1:${process.env['NEO4J_BOLT_PORT'] || '7687'}`;
const user = process.env['NEO4J_USER'] || 'neo4j';
const password = process.env['NEO4J_PASSWORD'] || 'weir-local-password';

function connect(): Driver {
  return neo4j.driver(url, neo4j.auth.basic(user, password), {
    connectionTimeout: 5_000,
    connectionAcquisitionTimeout: 10_000,
    disableLosslessIntegers: true,
  });
}

const MERGE_EDGE = `
MERGE (a:WeirItNode {run: $run, id: $from})
MERGE (b:WeirItNode {run: $run, id: $to})
MERGE (a)-[r:WEIR_IT_LINK {run: $run}]->(b)
  ON CREATE SET r.writes = 1
  ON MATCH SET r.writes = r.writes + 1
RETURN r.writes AS writes`;

test('the same MERGE twice creates the nodes and the relationship once', { timeout: 60_000 }, async () => {
  const run = randomUUID();
  const driver = connect();
  try {
    const first = await driver.executeQuery(MERGE_EDGE, { run, from: 'a', to: 'b' });
    assert.equal(first.summary.counters.updates().nodesCreated, 2);
    assert.equal(first.summary.counters.updates().relationshipsCreated, 1);

    const second = await driver.executeQuery(MERGE_EDGE, { run, from: 'a', to: 'b' });
    assert.equal(second.summary.counters.updates().nodesCreated, 0);
    assert.equal(second.summary.counters.updates().relationshipsCreated, 0);
    assert.equal(second.records[0]?.get('writes'), 2, 'the second MERGE matched the relationship');

    const counts = await driver.executeQuery(
      `MATCH (n:WeirItNode {run: $run})
       OPTIONAL MATCH (n)-[r:WEIR_IT_LINK {run: $run}]->()
       RETURN count(DISTINCT n) AS nodes, count(r) AS relationships`,
      { run },
    );
    assert.deepEqual(counts.records[0]?.toObject(), { nodes: 2, relationships: 1 });
  } finally {
    await driver.executeQuery('MATCH (n:WeirItNode {run: $run}) DETACH DELETE n', { run }).catch(() => undefined);
    await driver.close();
  }
});

test('with a uniqueness constraint, concurrent MERGEs of one key create one node', { timeout: 60_000 }, async () => {
  const run = randomUUID();
  const suffix = run.replaceAll('-', '');
  const label = `WeirItUnique_${suffix}`; // labels cannot be parameters; this one is hex only
  const constraint = `weir_it_unique_${suffix}`;
  const driver = connect();
  try {
    await driver.executeQuery(`CREATE CONSTRAINT ${constraint} IF NOT EXISTS FOR (n:${label}) REQUIRE n.id IS UNIQUE`);
    const writers = Array.from({ length: 8 }, (_, i) =>
      driver.executeQuery(`MERGE (n:${label} {id: $id}) ON CREATE SET n.creator = $i RETURN n.id AS id`, { id: 'k', i }),
    );
    const results = await Promise.all(writers);
    const created = results.reduce((sum, r) => sum + r.summary.counters.updates().nodesCreated, 0);
    assert.equal(created, 1, 'exactly one writer creates the node');

    const count = await driver.executeQuery(`MATCH (n:${label}) RETURN count(n) AS nodes`);
    assert.equal(count.records[0]?.get('nodes'), 1);
  } finally {
    await driver.executeQuery(`MATCH (n:${label}) DETACH DELETE n`).catch(() => undefined);
    await driver.executeQuery(`DROP CONSTRAINT ${constraint} IF EXISTS`).catch(() => undefined);
    await driver.close();
  }
});
