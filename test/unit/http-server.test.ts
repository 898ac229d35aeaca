import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { startOpsServer, type OpsServer, type ProbeResult } from '../../engine/http-server.js';

describe('ops HTTP server', () => {
  const registry = new Registry();
  const counter = new Counter({ name: 'weir_test_records_total', help: 'Test records.', labelNames: ['topology'], registers: [registry] });
  let ready: ProbeResult = { ok: false, details: { partitions: 0 } };
  let server: OpsServer;

  before(async () => {
    server = await startOpsServer({
      address: '127.0.0.1:0',
      registry,
      health: () => ({ ok: true, details: { uptimeSeconds: 1 } }),
      ready: async () => ready,
    });
  });
  after(() => server.close());

  it('binds a free port when asked for port 0', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(server.url, 'http://127.0.0.1:0');
  });

  it('serves the registry at /metrics in the Prometheus text format', async () => {
    counter.inc({ topology: 'demo' }, 3);
    const response = await fetch(`${server.url}/metrics`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), registry.contentType);
    assert.match(await response.text(), /^weir_test_records_total\{topology="demo"\} 3$/m);
  });

  it('answers /health with 200 and the probe as JSON', async () => {
    const response = await fetch(`${server.url}/health`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.deepEqual(await response.json(), { ok: true, details: { uptimeSeconds: 1 } });
  });

  it('answers /ready with 503 until the probe is ok, then 200', async () => {
    const before = await fetch(`${server.url}/ready`);
    assert.equal(before.status, 503);
    assert.deepEqual(await before.json(), { ok: false, details: { partitions: 0 } });
    ready = { ok: true, details: { partitions: 4 } };
    const after = await fetch(`${server.url}/ready?verbose=1`);
    assert.equal(after.status, 200);
    assert.deepEqual(await after.json(), { ok: true, details: { partitions: 4 } });
  });

  it('answers 404 for other paths and 405 for other methods', async () => {
    const missing = await fetch(`${server.url}/metricz`);
    assert.equal(missing.status, 404);
    await missing.text();
    const post = await fetch(`${server.url}/metrics`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    await post.text();
  });

  it('turns a probe that throws into a 503 with the error', async () => {
    const failing = await startOpsServer({
      address: '127.0.0.1:0',
      registry,
      health: () => {
        throw new Error('event loop stalled');
      },
      ready: () => ({ ok: true }),
    });
    try {
      const response = await fetch(`${failing.url}/health`);
      assert.equal(response.status, 503);
      assert.deepEqual(await response.json(), { ok: false, details: { error: 'event loop stalled' } });
    } finally {
      await failing.close();
    }
  });

  it('fails to start on an address in use or malformed', async () => {
    const port = new URL(server.url).port;
    await assert.rejects(
      startOpsServer({ address: `127.0.0.1:${port}`, registry, health: () => ({ ok: true }), ready: () => ({ ok: true }) }),
      /cannot serve ops endpoint on 127\.0\.0\.1:\d+: .*EADDRINUSE/,
    );
    await assert.rejects(startOpsServer({ address: 'localhost', registry, health: () => ({ ok: true }), ready: () => ({ ok: true }) }), /'localhost' is not a host:port address/);
  });
});
