import { createRegistry } from './registry.js';

/** The built-in operators, listed explicitly (no registration by import side effects). */
export const builtinOperators = createRegistry([]);
