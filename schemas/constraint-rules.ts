import { z } from 'zod';

/**
 * Rules Avro cannot express, declared in the .avsc files as a `constraints` attribute (Avro keeps unknown
 * attributes as metadata, and they are not part of the canonical form, so they do not change a schema's id):
 * - on a field of type string: `minLength` (UTF-16 code units);
 * - on a number field: `minimum`, `exclusiveMinimum`;
 * - on an array field: `minItems`, `uniqueItems`, and `items` with the rules of one item;
 * - on a record type: `exactlyOne: [fields]`, nullable fields of which exactly one must be non-null.
 * On a nullable field the rules apply when the value is not null. Floats and doubles must always be finite.
 * A record that breaks a rule is rejected with reason `constraint`.
 */

const count = z.int().nonnegative();
const stringRules = z.strictObject({ minLength: count.optional() });
const numberRules = z.strictObject({ minimum: z.number().optional(), exclusiveMinimum: z.number().optional() });
const arrayRules = z.strictObject({ minItems: count.optional(), uniqueItems: z.boolean().optional(), items: z.unknown().optional() });
const recordRules = z.strictObject({ exactlyOne: z.array(z.string()).min(2).optional() });

export type StringRules = z.infer<typeof stringRules>;
export type NumberRules = z.infer<typeof numberRules>;
export type ArrayRules = Omit<z.infer<typeof arrayRules>, 'items'>;
export type RecordRules = z.infer<typeof recordRules>;

function parse<T>(schema: z.ZodType<T>, rules: unknown, at: string): T {
  const parsed = schema.safeParse(rules ?? {});
  if (!parsed.success) throw new TypeError(`${at}: bad constraints: ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}`);
  return parsed.data;
}

export const parseStringRules = (rules: unknown, at: string): StringRules => parse(stringRules, rules, at);
export const parseNumberRules = (rules: unknown, at: string): NumberRules => parse(numberRules, rules, at);
export const parseArrayRules = (rules: unknown, at: string): z.infer<typeof arrayRules> => parse(arrayRules, rules, at);
export const parseRecordRules = (rules: unknown, at: string): RecordRules => parse(recordRules, rules, at);
