import { formatPath, type PathSegment } from './field-path.js';

/** Every error class Weir raises, each with a `retriable` flag and the context that explains it. */

export interface ErrorContext {
  topology?: string;
  operator?: string;
  topic?: string;
  partition?: number;
  offset?: string;
  file?: string;
  line?: number;
  column?: number;
  path?: string;
}

interface WeirErrorOptions {
  retriable?: boolean;
  context?: ErrorContext;
  cause?: unknown;
}

export class WeirError extends Error {
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(message: string, options: WeirErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
    this.context = options.context ?? {};
  }
}

/** One problem found in a topology file, located by file, line:column and path. */
export interface TopologyIssue {
  file: string;
  line?: number;
  column?: number;
  /** e.g. `pipeline[1].validate.schema` */
  path: string;
  message: string;
}

export function formatTopologyIssue(issue: TopologyIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

/** A topology file that cannot be loaded: all its issues at once, each on its own line. */
export class TopologyError extends WeirError {
  readonly issues: readonly TopologyIssue[];

  constructor(issues: readonly TopologyIssue[]) {
    super(issues.map(formatTopologyIssue).join('\n'), { context: { file: issues[0]?.file } });
    this.issues = issues;
  }
}

/** An operator failed on a record (thrown or signalled through the stream). */
export class OperatorError extends WeirError {}

/** Redis or the in-memory store failed; worth retrying. */
export class StateError extends WeirError {
  constructor(message: string, options: WeirErrorOptions = {}) {
    super(message, { retriable: true, ...options });
  }
}

/**
 * A state value that cannot be stored or read as it is: larger than a changelog record holds, or written by a version
 * of its codec this code cannot read. Retrying the same record cannot help: it is isolated and dead-lettered.
 */
export class StateValueError extends WeirError {}

/** Kafka or another connector failed. */
export class ConnectorError extends WeirError {}

/** Another owner took over this partition: the task must stop without committing. */
export class FencedError extends WeirError {}

/** What is wrong with a wire-format record (or a value that cannot be encoded). */
export type WireFormatProblem = 'truncated' | 'malformed' | 'bad-magic-byte' | 'unknown-schema-id' | 'schema-id-mismatch' | 'invalid-value';

/** A record that is not a well-formed Confluent wire-format Avro record of a known (or the expected) schema. */
export class WireFormatError extends WeirError {
  /** Field where decoding stopped, as written in `weir.field` (`node_ids[2]`); the outermost fields come first. */
  readonly path: PathSegment[] = [];

  constructor(
    readonly problem: WireFormatProblem,
    message: string,
  ) {
    super(message);
  }

  get field(): string | undefined {
    return this.path.length === 0 ? undefined : formatPath(this.path);
  }
}

/** Mistakes in code, never worth a retry. */
export function isProgrammerError(error: unknown): boolean {
  return error instanceof TypeError || error instanceof RangeError || error instanceof ReferenceError || error instanceof SyntaxError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
