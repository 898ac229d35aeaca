import { DeltaLogError } from './errors.js';

/**
 * The actions of the Delta transaction log (PROTOCOL.md, "Actions") that this library writes and reads.
 * Objects are built with their keys in a fixed order, so a commit serialises to the same bytes every time.
 * Actions this library does not write (cdc, domainMetadata, …) are ignored on reading, as the protocol
 * requires of unknown actions; a protocol this library cannot honour is refused (`checkProtocol`).
 */

export interface Protocol {
  minReaderVersion: number;
  minWriterVersion: number;
  readerFeatures?: string[];
  writerFeatures?: string[];
}

export interface Format {
  provider: string;
  options: Record<string, string>;
}

export interface Metadata {
  id: string;
  name?: string;
  description?: string;
  format: Format;
  schemaString: string;
  partitionColumns: string[];
  createdTime?: number;
  configuration: Record<string, string>;
}

export interface AddFile {
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  stats?: string;
  tags?: Record<string, string>;
}

export interface RemoveFile {
  path: string;
  deletionTimestamp?: number;
  dataChange: boolean;
  extendedFileMetadata?: boolean;
  partitionValues?: Record<string, string | null>;
  size?: number;
  stats?: string;
}

export interface Txn {
  appId: string;
  version: number;
  lastUpdated?: number;
}

export interface CommitInfo {
  timestamp: number;
  operation: string;
  operationParameters: Record<string, string>;
  readVersion?: number;
  isBlindAppend?: boolean;
  operationMetrics?: Record<string, string>;
  engineInfo?: string;
  [key: string]: unknown;
}

export type Action =
  | { protocol: Protocol }
  | { metaData: Metadata }
  | { add: AddFile }
  | { remove: RemoveFile }
  | { txn: Txn }
  | { commitInfo: CommitInfo };

/** The protocol this library writes: reader 1, writer 2 (append-only and invariants; no table features). */
export const WRITER_PROTOCOL: Protocol = { minReaderVersion: 1, minWriterVersion: 2 };

export const ENGINE_INFO = 'weir-delta/1';

/** One commit file's text: one JSON action per line. */
export function serialiseCommit(actions: readonly Action[]): string {
  return actions.map((action) => `${JSON.stringify(action)}\n`).join('');
}

const known = new Set(['protocol', 'metaData', 'add', 'remove', 'txn', 'commitInfo']);

/** Parses a commit file; `file` names it in errors. */
export function parseCommit(text: string, file: string): Action[] {
  const actions: Action[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (cause) {
      throw new DeltaLogError(`${file}:${i + 1}: not a JSON action (${(cause as Error).message})`, { context: { file }, cause });
    }
    if (typeof json !== 'object' || json === null) throw new DeltaLogError(`${file}:${i + 1}: an action must be a JSON object`, { context: { file } });
    const key = Object.keys(json).find((k) => known.has(k));
    if (key !== undefined) actions.push({ [key]: (json as Record<string, unknown>)[key] } as Action);
  }
  return actions;
}

/** Refuses tables that need a reader or writer this library is not. */
export function checkProtocol(protocol: Protocol, purpose: 'read' | 'write', table: string): void {
  if (protocol.minReaderVersion > WRITER_PROTOCOL.minReaderVersion) {
    throw new DeltaLogError(`table ${table} needs Delta reader version ${protocol.minReaderVersion}; this library reads version 1`, { context: { table } });
  }
  if (purpose === 'write' && protocol.minWriterVersion > WRITER_PROTOCOL.minWriterVersion) {
    throw new DeltaLogError(`table ${table} needs Delta writer version ${protocol.minWriterVersion}; this library writes version 2`, { context: { table } });
  }
}
