/**
 * How an operator's state values become bytes and back. Every encoded value starts with the codec's schema version, so
 * a value written by an older version of an operator can be recognised (and migrated) when it is read.
 */
export interface StateCodec<V> {
  /** Shown by `weir describe`, e.g. `json` or `binary`. */
  readonly name: string;
  /** The version of the value's shape; written with every value. */
  readonly version: number;
  encode(value: V): Buffer;
  decode(bytes: Buffer): V;
}
