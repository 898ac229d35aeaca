import { WeirError } from '../engine/errors.js';
import { formatPath, type PathSegment } from './schema-tree.js';

/** What is wrong with a wire-format record (or a value that cannot be encoded). */
export type WireFormatProblem = 'truncated' | 'malformed' | 'bad-magic-byte' | 'unknown-schema-id' | 'schema-id-mismatch' | 'invalid-value';

/** A record that is not a well-formed Confluent wire-format Avro record of a known (or the expected) schema. */
export class WireFormatError extends WeirError {
  /** Field where decoding stopped, as written in `weir.field` (`node_ids[2]`); the outermost fields come first. */
  readonly path: PathSegment[] = [];

  constructor(readonly problem: WireFormatProblem, message: string) {
    super(message);
  }

  get field(): string | undefined {
    return this.path.length === 0 ? undefined : formatPath(this.path);
  }
}
