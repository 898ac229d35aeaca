import type { AnyOperatorDefinition } from '../contracts/operator.js';
import type { OperatorRegistry } from '../contracts/topology.js';

export function createRegistry(definitions: readonly AnyOperatorDefinition[], base: OperatorRegistry = new Map()): OperatorRegistry {
  const registry = new Map(base);
  for (const definition of definitions) {
    if (registry.has(definition.name)) throw new TypeError(`operator '${definition.name}' is registered twice`);
    registry.set(definition.name, definition);
  }
  return registry;
}
