import type { AnySinkDefinition, SinkRegistry } from '../contracts/sink.js';
import fileSink from './file-sink.js';

/** The built-in sink connectors, listed explicitly; a duplicate name fails at start-up. */
export function createSinkRegistry(definitions: readonly AnySinkDefinition[]): SinkRegistry {
  const registry = new Map<string, AnySinkDefinition>();
  for (const definition of definitions) {
    if (registry.has(definition.name)) throw new TypeError(`sink '${definition.name}' is registered twice`);
    registry.set(definition.name, definition);
  }
  return registry;
}

export const builtinSinks = createSinkRegistry([fileSink]);
