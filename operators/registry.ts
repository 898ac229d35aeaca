import type { AnyOperatorDefinition } from './define-operator.js';

/** Operators by topology name. Built once from an explicit list; a duplicate name fails at start-up. */
export type OperatorRegistry = ReadonlyMap<string, AnyOperatorDefinition>;

export function createRegistry(definitions: readonly AnyOperatorDefinition[], base: OperatorRegistry = new Map()): OperatorRegistry {
  const registry = new Map(base);
  for (const definition of definitions) {
    if (registry.has(definition.name)) throw new TypeError(`operator '${definition.name}' is registered twice`);
    registry.set(definition.name, definition);
  }
  return registry;
}
