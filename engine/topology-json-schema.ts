import { z } from 'zod';
import type { AnyOperatorDefinition } from '../contracts/operator.js';
import { builtinOperators } from '../operators/index.js';
import type { OperatorRegistry } from '../contracts/topology.js';
import { topologyHeaderSchema } from '../contracts/topology-schema.js';
import type { AnySinkDefinition, SinkRegistry } from '../contracts/sink.js';
import { builtinSinks } from '../connectors/sinks.js';

/**
 * The JSON Schema (draft-07, which editors support widely) of topology files, for editor completion and
 * checks as you type. Built from the same zod schemas the loader validates with; the loader stays the
 * authority (it also checks what a schema cannot: routed side outputs, plugin operators' configs).
 */

type JsonSchema = Record<string, unknown>;

const referenceDefinition = {
  type: 'string',
  pattern: '\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}',
  description: 'A ${VAR} or ${VAR:-default} reference, replaced from the environment when the topology loads.',
};

export function topologyJsonSchema(registry: OperatorRegistry = builtinOperators, sinks: SinkRegistry = builtinSinks): JsonSchema {
  const operators = [...registry.values()].sort((a, b) => a.name.localeCompare(b.name));
  const step = z.xor([...operators.map(operatorStep), pluginStep(operators.map((operator) => operator.name))]);
  const connectors = [...sinks.values()].sort((a, b) => a.name.localeCompare(b.name));
  const sink = connectors.length === 1 ? sinkEntry(connectors[0] as AnySinkDefinition) : z.xor(connectors.map(sinkEntry));
  const topology = topologyHeaderSchema.extend({
    pipeline: z.array(step).min(1).describe('The operators a record goes through, in order; each step names one operator and its config.'),
    sinks: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), sink).optional().describe('External systems fed from outputs after commit, each through one connector; writes are idempotent.'),
  });
  const generated = z.toJSONSchema(topology, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as JsonSchema;
  const { $schema, ...rest } = generated;
  const schema = allowReferences(rest);
  requireOutputs(schema);
  return {
    $schema,
    title: 'Weir topology',
    description: 'A Weir dataflow: a Kafka source, a pipeline of operators, and the topics its outputs go to.',
    ...schema,
    definitions: { ...(schema.definitions as JsonSchema | undefined), reference: referenceDefinition },
  };
}

/** `{ <name>: <config> }`; a config whose fields are all optional may be left empty (`- dedup:`). */
function operatorStep(operator: AnyOperatorDefinition): z.ZodType {
  const config = operator.config.safeParse({}).success ? operator.config.nullable() : operator.config;
  const traits = [operator.stateful === true ? 'Stateful (keyed state with a changelog topic).' : '', operator.outputs?.length ? `Side outputs: ${operator.outputs.join(', ')}.` : ''];
  return z.strictObject({ [operator.name]: config }).describe([operator.summary, ...traits].filter(Boolean).join(' '));
}

/** `{ from: <output>, <connector>: <config> }`. */
function sinkEntry(definition: AnySinkDefinition): z.ZodType {
  return z.strictObject({ from: z.string().describe('The output whose committed records the sink writes.'), [definition.name]: definition.config }).describe(`${definition.summary} Guarantee: ${definition.guarantee}.`);
}

/** Any other single-key step: an operator from a `plugins:` module, checked when the topology loads. */
function pluginStep(builtinNames: readonly string[]): z.ZodType {
  return z.record(z.string(), z.unknown()).meta({
    description: 'An operator from a module listed in `plugins:`; its config is checked when the topology loads.',
    minProperties: 1,
    maxProperties: 1,
    ...(builtinNames.length > 0 ? { propertyNames: { not: { enum: builtinNames } } } : {}),
  });
}

/** The loader requires `default` and `rejected` outputs (a zod refinement, which JSON Schema cannot carry). */
function requireOutputs(schema: JsonSchema): void {
  const outputs = (schema.properties as Record<string, JsonSchema>).outputs as JsonSchema;
  outputs.required = ['default', 'rejected'];
}

const annotations = new Set(['title', 'description', 'default', 'examples']);
const schemaMaps = new Set(['properties', 'patternProperties', 'definitions']);
const schemaLists = new Set(['anyOf', 'oneOf', 'allOf']);

/**
 * Lets every constrained scalar (a number, a boolean, an enum, a string with a pattern) also be a `${VAR}`
 * reference, as the loader interpolates before it validates.
 */
function allowReferences(schema: JsonSchema): JsonSchema {
  const walked: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (schemaMaps.has(key)) walked[key] = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([name, child]) => [name, allowReferences(child)]));
    else if (schemaLists.has(key)) walked[key] = (value as JsonSchema[]).map(allowReferences);
    else if ((key === 'items' || key === 'additionalProperties') && typeof value === 'object' && value !== null) walked[key] = allowReferences(value as JsonSchema);
    else walked[key] = value;
  }
  if (!isScalar(walked) || acceptsAnyString(walked)) return walked;
  const outer: JsonSchema = {};
  const inner: JsonSchema = {};
  for (const [key, value] of Object.entries(walked)) (annotations.has(key) ? outer : inner)[key] = value;
  return { ...outer, anyOf: [inner, { $ref: '#/definitions/reference' }] };
}

function isScalar(schema: JsonSchema): boolean {
  if ('enum' in schema || 'const' in schema) return true;
  const types = typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? (schema.type as string[]) : [];
  return types.length > 0 && types.every((type) => type !== 'object' && type !== 'array' && type !== 'null');
}

function acceptsAnyString(schema: JsonSchema): boolean {
  const types = typeof schema.type === 'string' ? [schema.type] : (schema.type as string[] | undefined) ?? [];
  return types.includes('string') && !['pattern', 'format', 'enum', 'const', 'maxLength'].some((key) => key in schema);
}
