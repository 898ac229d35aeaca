import keyBy from './key-by.js';
import { createRegistry } from './registry.js';
import validate from './validate.js';

/** The built-in operators, listed explicitly (no registration by import side effects). */
export const builtinOperators = createRegistry([validate, keyBy]);
