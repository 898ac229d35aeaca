/**
 * Synthetic EmbeddingEvent streams as JSON lines (one record per line, ordered by event_time), seeded:
 * the output is a pure function of the options.
 *   node --import tsx scripts/drift/generate-embeddings.ts --out /tmp/embeddings.jsonl --seed 1
 *   node --import tsx scripts/drift/generate-embeddings.ts --hours 12 --rate 200 \
 *     --tenant acme=stationary --tenant globex=abrupt,at=6,size=0.5 \
 *     --tenant initech=gradual,start=2,slope=0.05 --tenant umbrella=new-model,at=6,overlap=1
 *
 * Each tenant runs one scenario (times in hours from --start; sizes as in drift/synthetic-embeddings.ts:
 * a shift of size s turns the mean direction by atan(s), a population mean-cosine of 1 − 1/√(1+s²)):
 *   stationary                      one model version, one fixed distribution
 *   abrupt,at=H,size=S              the mean jumps by S at hour H
 *   gradual,start=H,slope=S         the shift grows by S per hour from hour H
 *   new-model,at=H,overlap=O        version @2 (an unrelated direction) starts at hour H; @1 stops O hours later
 * Records of each (tenant, model version) arrive as a Poisson process of --rate per hour.
 * Components are written with 6 significant digits (the schema's vectors are 32-bit floats anyway).
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { Prng } from '../../drift/prng.js';
import { concentrationForPairwiseCosine, meanCosineForShift } from '../../drift/synthetic-embeddings.js';
import { shiftSizeAt, SyntheticStream, type ShiftScenario } from '../../drift/synthetic-stream.js';

const HOUR = 3_600_000;

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: '-' },
    seed: { type: 'string', default: '1' },
    dimension: { type: 'string', default: '256' },
    start: { type: 'string', default: '2025-01-01T00:00:00Z' },
    hours: { type: 'string', default: '24' },
    rate: { type: 'string', default: '120' },
    'pairwise-cosine': { type: 'string', default: '0.3' },
    tenant: { type: 'string', multiple: true },
  },
});

const hours = positive('hours', values.hours);
const rate = positive('rate', values.rate);
const dimension = positive('dimension', values.dimension);
if (!Number.isInteger(dimension)) fail(`--dimension must be an integer, got ${values.dimension}`);
const startMs = Date.parse(values.start);
if (Number.isNaN(startMs)) fail(`--start ${values.start} is not a date`);
const concentration = concentrationForPairwiseCosine(positive('pairwise-cosine', values['pairwise-cosine']));
const tenantSpecs = values.tenant ?? [
  'acme=stationary',
  `globex=abrupt,at=${hours / 2},size=0.5`,
  `initech=gradual,start=${hours / 4},slope=${(0.8 / hours).toFixed(4)}`,
  `umbrella=new-model,at=${hours / 2},overlap=1`,
];

/** One (tenant, model version) source: its stream, when it is live, and its next arrival time. */
interface Source {
  tenant: string;
  modelVersion: string;
  stream: SyntheticStream;
  untilHour: number;
  arrivals: Prng;
  nextHour: number;
  sequence: number;
}

const sources: Source[] = tenantSpecs.flatMap((spec) => sourcesOf(spec));
const vector = new Float32Array(dimension);
const out = values.out === '-' ? process.stdout : createWriteStream(values.out);
const written = new Map<string, number>();
for (;;) {
  let next: Source | undefined;
  for (const source of sources) if (source.nextHour < source.untilHour && (next === undefined || source.nextHour < next.nextHour)) next = source;
  if (next === undefined) break;
  const hour = next.nextHour;
  next.stream.sample(hour, vector);
  const record = {
    id: `${next.tenant}:${next.modelVersion}:${next.sequence++}`,
    tenant: next.tenant,
    model_version: next.modelVersion,
    vector: Array.from(vector, (x) => Number(x.toPrecision(6))),
    event_time: startMs + Math.round(hour * HOUR),
  };
  if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
  const label = `${next.tenant} ${next.modelVersion}`;
  written.set(label, (written.get(label) ?? 0) + 1);
  next.nextHour += exponential(next.arrivals, rate);
}
if (out !== process.stdout) {
  out.end();
  await once(out, 'finish');
}
for (const spec of tenantSpecs) console.error(`scenario ${spec}`);
for (const [label, count] of written) console.error(`${label}: ${count} records`);

function sourcesOf(spec: string): Source[] {
  const equals = spec.indexOf('=');
  const tenant = spec.slice(0, equals);
  const definition = spec.slice(equals + 1);
  if (equals < 1 || !definition) fail(`--tenant ${spec}: expected name=scenario[,key=value…]`);
  const [kind, ...pairs] = definition.split(',');
  const params = new Map(
    pairs.map((pair) => {
      const [key, value] = pair.split('=');
      const number = Number(value);
      if (!key || value === undefined || !Number.isFinite(number)) fail(`--tenant ${spec}: "${pair}" is not key=number`);
      return [key, number] as const;
    }),
  );
  const param = (key: string): number => params.get(key) ?? fail(`--tenant ${spec}: ${kind} needs ${key}=<number>`);
  const source = (modelVersion: string, scenario: ShiftScenario, fromHour = 0, untilHour = hours): Source => {
    const seed = JSON.stringify([values.seed, tenant, modelVersion]);
    const arrivals = Prng.fromKey(`${seed}/arrivals`);
    const stream = new SyntheticStream({ dimension, concentration, seed, scenario });
    return { tenant, modelVersion, stream, untilHour, arrivals, nextHour: fromHour + exponential(arrivals, rate), sequence: 0 };
  };
  switch (kind) {
    case 'stationary':
      return [source('text-encoder@1', { kind: 'stationary' })];
    case 'abrupt': {
      const scenario: ShiftScenario = { kind: 'abrupt', at: param('at'), size: param('size') };
      console.error(`${tenant}: population mean-cosine after the shift ${meanCosineForShift(shiftSizeAt(scenario, hours)).toFixed(4)}`);
      return [source('text-encoder@1', scenario)];
    }
    case 'gradual': {
      const scenario: ShiftScenario = { kind: 'gradual', start: param('start'), slope: param('slope') };
      console.error(`${tenant}: population mean-cosine at the end ${meanCosineForShift(shiftSizeAt(scenario, hours)).toFixed(4)}`);
      return [source('text-encoder@1', scenario)];
    }
    case 'new-model': {
      const at = param('at');
      return [source('text-encoder@1', { kind: 'stationary' }, 0, Math.min(hours, at + param('overlap'))), source('text-encoder@2', { kind: 'stationary' }, at)];
    }
    default:
      return fail(`--tenant ${spec}: unknown scenario "${kind}" (stationary, abrupt, gradual, new-model)`);
  }
}

/** Time to the next arrival of a Poisson process of `perHour` events per hour, in hours. */
function exponential(prng: Prng, perHour: number): number {
  return -Math.log(1 - prng.next()) / perHour;
}

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) fail(`--${name} must be a positive number, got ${text}`);
  return value;
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
