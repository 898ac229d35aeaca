import type { PathSegment } from '../contracts/field-path.js';
import type { ArrayRules, NumberRules, StringRules } from './constraint-rules.js';
import type { RecordNode, SchemaNode } from './schema-tree.js';

/** Compiles the rules of `constraint-rules.ts` into checks of decoded values; a broken rule rejects with reason `constraint`. */

/** A broken rule: where (relative to the checked value) and what, phrased to follow `<field>: `. */
export interface Violation {
  readonly path: PathSegment[];
  readonly message: string;
}

/** Checks a value already known to match the node's type. */
export type Check = (value: unknown) => Violation | undefined;

/** The checks of a node, or undefined when it has none, so a record walk skips rule-free fields. */
export function compileChecks(node: SchemaNode): Check | undefined {
  switch (node.kind) {
    case 'string':
      return stringCheck(node.rules);
    case 'int':
    case 'long':
      return numberCheck(node.rules, false);
    case 'float':
    case 'double':
      return numberCheck(node.rules, true);
    case 'array':
      return arrayCheck(node.rules, compileChecks(node.items));
    case 'nullable': {
      const inner = compileChecks(node.type);
      return inner === undefined ? undefined : (value) => (value === null ? undefined : inner(value));
    }
    case 'record':
      return recordCheck(node);
    default:
      return undefined;
  }
}

function stringCheck({ minLength }: StringRules): Check | undefined {
  if (minLength === undefined) return undefined;
  const message = minLength === 1 ? 'must not be empty' : `must have at least ${minLength} characters`;
  return (value) => ((value as string).length < minLength ? { path: [], message } : undefined);
}

function numberCheck({ minimum, exclusiveMinimum }: NumberRules, finite: boolean): Check | undefined {
  if (minimum === undefined && exclusiveMinimum === undefined && !finite) return undefined;
  return (value) => {
    const number = value as number;
    if (finite && !Number.isFinite(number)) return { path: [], message: `must be a finite number, is ${number}` };
    if (minimum !== undefined && number < minimum) return { path: [], message: `must be >= ${minimum}, is ${number}` };
    if (exclusiveMinimum !== undefined && number <= exclusiveMinimum) return { path: [], message: `must be > ${exclusiveMinimum}, is ${number}` };
    return undefined;
  };
}

function arrayCheck({ minItems, uniqueItems }: ArrayRules, item: Check | undefined): Check | undefined {
  if (minItems === undefined && uniqueItems !== true && item === undefined) return undefined;
  return (value) => {
    const items = value as readonly unknown[];
    if (minItems !== undefined && items.length < minItems) return { path: [], message: `must have at least ${minItems} items, has ${items.length}` };
    const firstAt = uniqueItems === true ? new Map<unknown, number>() : undefined;
    for (let index = 0; index < items.length; index++) {
      const first = firstAt?.get(items[index]);
      if (first !== undefined) return { path: [index], message: `repeats item [${first}]; items must be distinct` };
      firstAt?.set(items[index], index);
      const violation = item?.(items[index]);
      if (violation !== undefined) {
        violation.path.unshift(index);
        return violation;
      }
    }
    return undefined;
  };
}

function recordCheck(node: RecordNode): Check | undefined {
  const fields = node.fields.flatMap((field) => {
    const check = compileChecks(field.type);
    return check === undefined ? [] : [{ name: field.name, check }];
  });
  const exactlyOne = node.rules.exactlyOne;
  if (fields.length === 0 && exactlyOne === undefined) return undefined;
  return (value) => {
    const record = value as Record<string, unknown>;
    if (exactlyOne !== undefined) {
      let set = 0;
      let extra = '';
      for (const name of exactlyOne) if (record[name] !== null && ++set === 2) extra = name;
      if (set === 0) return { path: [exactlyOne[0] as string], message: `exactly one of ${exactlyOne.join(', ')} must be set, none is` };
      if (set > 1) return { path: [extra], message: `exactly one of ${exactlyOne.join(', ')} must be set, more than one is` };
    }
    for (const { name, check } of fields) {
      const violation = check(record[name]);
      if (violation !== undefined) {
        violation.path.unshift(name);
        return violation;
      }
    }
    return undefined;
  };
}
