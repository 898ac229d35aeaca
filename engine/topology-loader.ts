import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPair, isScalar, isSeq, LineCounter, parseDocument, parse as parseYaml, visit, type Document } from 'yaml';
import type { z } from 'zod';
import type { AnyOperatorDefinition } from '../contracts/operator.js';
import { builtinOperators } from '../operators/index.js';
import { createRegistry } from '../operators/registry.js';
import type { OperatorRegistry } from '../contracts/topology.js';
import { errorMessage, TopologyError, type TopologyIssue } from '../contracts/errors.js';
import { hasReference, interpolate } from './interpolate.js';
import { topologyHeaderSchema, type TopologyHeader } from '../contracts/topology-schema.js';
import type { SinkRegistry } from '../contracts/sink.js';
import type { PipelineStep, SinkStep, Topology } from '../contracts/topology.js';
import { builtinSinks } from '../connectors/sinks.js';
import { formatPath } from '../contracts/field-path.js';
import { locate } from './yaml-positions.js';


export interface LoadOptions {
  env?: Readonly<Record<string, string | undefined>>;
  registry?: OperatorRegistry;
  sinks?: SinkRegistry;
}

export type { PipelineStep, Topology };

export async function loadTopology(file: string, options: LoadOptions = {}): Promise<Topology> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new TopologyError([{ file, path: '', message: `cannot read the file: ${errorMessage(cause)}` }]);
  }
  return parseTopology(text, file, options);
}

/** Parses, interpolates and validates a topology; every problem found is reported at once. */
export async function parseTopology(text: string, file: string, options: LoadOptions = {}): Promise<Topology> {
  const env = options.env ?? process.env;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues: TopologyIssue[] = [];
  // A value whose ${VAR} is missing is reported once: its type or format errors would only repeat the cause.
  const unresolved = new Set<string>();
  const at = (path: readonly PropertyKey[], message: string, key?: string): void => {
    const where = formatPath(key === undefined ? path : [...path, key]);
    if (!unresolved.has(where)) issues.push({ file, ...locate(doc, lineCounter, path, key), path: where, message });
  };

  for (const error of doc.errors) {
    const position = error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
    issues.push({ file, line: position?.line, column: position?.col, path: '', message: `YAML: ${error.message.split('\n')[0]}` });
  }
  if (issues.length > 0) throw new TopologyError(issues);

  interpolateScalars(doc, env, (path, message) => {
    at(path, message);
    unresolved.add(formatPath(path));
  });
  const raw: unknown = doc.toJS();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TopologyError([{ file, line: 1, column: 1, path: '', message: 'expected a mapping with name, source, pipeline and outputs' }]);
  }

  const header = topologyHeaderSchema.safeParse(raw, { reportInput: true });
  if (!header.success) {
    reportZodIssues(header.error.issues, [], at);
    throw new TopologyError(issues);
  }
  const baseDir = dirname(resolve(file));
  const registry = await loadPlugins(header.data.plugins, baseDir, options.registry ?? builtinOperators, at);
  const pipeline = validatePipeline(header.data, registry, at);
  checkOutputsRouted(header.data, pipeline, at);
  const sinks = validateSinks(header.data, options.sinks ?? builtinSinks, at);
  if (issues.length > 0) throw new TopologyError(issues);
  return { ...header.data, file, baseDir, pipeline, sinks };
}

type Reporter = (path: readonly PropertyKey[], message: string, key?: string) => void;

function interpolateScalars(doc: Document, env: LoadOptions['env'] & object, at: Reporter): void {
  visit(doc, {
    Scalar(_key, node, ancestry) {
      if (typeof node.value !== 'string' || !hasReference(node.value)) return;
      const { value, missing } = interpolate(node.value, env);
      if (missing.length > 0) {
        const path = pathOfNode(ancestry, node);
        at(path, `environment variable ${missing.map((name) => `\${${name}}`).join(', ')} is not set and has no default (write \${NAME:-default})`);
        return;
      }
      // A value that is one reference alone takes the type its text reads as: `${PORT}` may be a number.
      node.value = /^\$\{[^}]*\}$/.test(node.value) ? (parseYaml(value) ?? value) : value;
    },
  });
}

/** The data path (`['pipeline', 0, 'validate']`) of a node, from the ancestors `visit` passes. */
function pathOfNode(ancestry: readonly unknown[], node: unknown): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (const [index, ancestor] of ancestry.entries()) {
    const child = ancestry[index + 1] ?? node;
    if (isPair(ancestor) && ancestor.value === child) path.push(String(isScalar(ancestor.key) ? ancestor.key.value : ancestor.key));
    else if (isSeq(ancestor)) path.push(ancestor.items.indexOf(child as never));
  }
  return path;
}

function reportZodIssues(zodIssues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[], at: Reporter): void {
  for (const issue of zodIssues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) at(path, `unknown key '${key}'`, key);
    } else if (issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined) {
      at(path, `missing (expected ${issue.expected})`);
    } else if (issue.code === 'invalid_union') {
      at(path, `expected one of the documented forms: ${issue.errors.map((branch) => branch.map((inner) => formatPath([...path, ...inner.path])).join(' ')).join(' | ') || issue.message}`);
    } else {
      at(path, issue.message);
    }
  }
}

async function loadPlugins(modules: readonly string[], baseDir: string, base: OperatorRegistry, at: Reporter): Promise<OperatorRegistry> {
  let registry = base;
  for (const [index, module] of modules.entries()) {
    try {
      const loaded = (await import(pathToFileURL(resolve(baseDir, module)).href)) as { default?: unknown };
      const exported = Array.isArray(loaded.default) ? loaded.default : [loaded.default];
      const definitions = exported.filter(isOperatorDefinition);
      if (definitions.length === 0 || definitions.length !== exported.length) {
        at(['plugins', index], `module '${module}' must export an operator definition (or a list of them) as default`);
        continue;
      }
      registry = createRegistry(definitions, registry);
    } catch (cause) {
      at(['plugins', index], `cannot load plugin '${module}': ${errorMessage(cause)}`);
    }
  }
  return registry;
}

function isOperatorDefinition(value: unknown): value is AnyOperatorDefinition {
  return typeof value === 'object' && value !== null && typeof (value as AnyOperatorDefinition).name === 'string' && typeof (value as AnyOperatorDefinition).create === 'function';
}

function validatePipeline(header: TopologyHeader, registry: OperatorRegistry, at: Reporter): PipelineStep[] {
  const steps: PipelineStep[] = [];
  const seen = new Map<string, number>();
  for (const [index, step] of header.pipeline.entries()) {
    const names = Object.keys(step);
    if (names.length !== 1) {
      at(['pipeline', index], `a step names exactly one operator, found ${names.length === 0 ? 'none' : names.map((name) => `'${name}'`).join(', ')}`);
      continue;
    }
    const name = names[0] as string;
    const definition = registry.get(name);
    if (definition === undefined) {
      at(['pipeline', index], `unknown operator '${name}'; known operators: ${[...registry.keys()].sort().join(', ')}`, name);
      continue;
    }
    const parsed = definition.config.safeParse(step[name] ?? {}, { reportInput: true });
    if (!parsed.success) {
      reportZodIssues(parsed.error.issues, ['pipeline', index, name], at);
      continue;
    }
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    steps.push({ id: count === 1 ? name : `${name}-${count}`, definition, config: parsed.data });
  }
  return steps;
}

/** Each sink reads from a defined output through exactly one known connector, whose config its own schema checks. */
function validateSinks(header: TopologyHeader, registry: SinkRegistry, at: Reporter): SinkStep[] {
  const sinks: SinkStep[] = [];
  for (const [name, spec] of Object.entries(header.sinks)) {
    const { from, ...rest } = spec as { from?: unknown } & Record<string, unknown>;
    if (typeof from !== 'string') {
      at(['sinks', name], `missing 'from': the output whose records the sink writes (one of ${Object.keys(header.outputs).join(', ')})`);
      continue;
    }
    if (!(from in header.outputs)) at(['sinks', name, 'from'], `output '${from}' is not defined in \`outputs\` (${Object.keys(header.outputs).join(', ')})`);
    const connectors = Object.keys(rest);
    if (connectors.length !== 1) {
      at(['sinks', name], `a sink names exactly one connector besides 'from', found ${connectors.length === 0 ? 'none' : connectors.map((connector) => `'${connector}'`).join(', ')}; known connectors: ${[...registry.keys()].sort().join(', ')}`);
      continue;
    }
    const connector = connectors[0] as string;
    const definition = registry.get(connector);
    if (definition === undefined) {
      at(['sinks', name], `unknown sink connector '${connector}'; known connectors: ${[...registry.keys()].sort().join(', ')}`, connector);
      continue;
    }
    const parsed = definition.config.safeParse(rest[connector] ?? {}, { reportInput: true });
    if (!parsed.success) {
      reportZodIssues(parsed.error.issues, ['sinks', name, connector], at);
      continue;
    }
    sinks.push({ name, from, definition, config: parsed.data });
  }
  return sinks;
}

/** Every side output an operator may emit to must lead somewhere: nothing is dropped silently. */
function checkOutputsRouted(header: TopologyHeader, pipeline: readonly PipelineStep[], at: Reporter): void {
  if (!('rejected' in header.outputs)) at(['outputs'], "a `rejected` output (dead-letter topic) is required: records that cannot be decoded or processed go there");
  for (const [index, step] of pipeline.entries()) {
    for (const output of step.definition.outputs ?? []) {
      if (!(output in header.outputs)) at(['pipeline', index, step.definition.name], `emits to output '${output}', which \`outputs\` does not define`);
    }
  }
}
