import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { ConnectorError, errorMessage } from '../contracts/errors.js';

/** The ops endpoint of a worker: `/metrics` for Prometheus, `/health` (alive) and `/ready` (serving) for orchestrators. */

/** The answer of a probe: 200 when `ok`, 503 otherwise; `details` are shown to whoever asks. */
export interface ProbeResult {
  readonly ok: boolean;
  readonly details?: Readonly<Record<string, unknown>>;
}

export type Probe = () => ProbeResult | Promise<ProbeResult>;

export interface OpsServerOptions {
  /** `host:port` (`[::1]:9464` for IPv6); port 0 picks a free port. */
  readonly address: string;
  readonly registry: Registry;
  readonly health: Probe;
  readonly ready: Probe;
}

export interface OpsServer {
  /** `http://host:port` with the port actually bound. */
  readonly url: string;
  close(): Promise<void>;
}

function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  if (match === null || port > 65_535) throw new TypeError(`'${address}' is not a host:port address`);
  return { host: (match[1] ?? match[2]) as string, port };
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { host, port } = parseAddress(options.address);
  const server = createServer((request, response) => {
    route(request, response, options).catch((error: unknown) => send(response, 500, 'text/plain; charset=utf-8', `${errorMessage(error)}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause) => reject(new ConnectorError(`cannot serve ops endpoint on ${options.address}: ${errorMessage(cause)}`, { cause })));
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}

async function route(request: IncomingMessage, response: ServerResponse, options: OpsServerOptions): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://ops').pathname;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  } else if (path === '/metrics') {
    send(response, 200, options.registry.contentType, await options.registry.metrics());
  } else if (path === '/health' || path === '/ready') {
    const result = await runProbe(path === '/health' ? options.health : options.ready);
    send(response, result.ok ? 200 : 503, 'application/json', `${JSON.stringify(result)}\n`);
  } else {
    send(response, 404, 'text/plain; charset=utf-8', 'not found: try /metrics, /health or /ready\n');
  }
}

/** A probe that throws counts as failing, with the error as its detail. */
async function runProbe(probe: Probe): Promise<ProbeResult> {
  try {
    return await probe();
  } catch (error) {
    return { ok: false, details: { error: errorMessage(error) } };
  }
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
