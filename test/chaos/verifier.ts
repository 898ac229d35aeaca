/**
 * Checks a run of the per-key counting topology against its input, as Kafka Streams' EOS verifier does:
 * every input record exactly once in the output, the per-key counts consecutive, the final state equal
 * to a reference computed from the input.
 */

export interface CountInput {
  readonly key: string;
  readonly seq: number;
}

export interface CountOutput {
  readonly key: string;
  readonly count: number;
  readonly seq: number;
}

export interface Verification {
  readonly expected: number;
  readonly received: number;
  /** Input seqs with no output. */
  readonly missing: number[];
  /** Input seqs with more than one output. */
  readonly duplicated: number[];
  /** Outputs whose count is not their position among the key's records (state lost or double-applied). */
  readonly wrongCounts: number;
  /** Keys whose final state differs from the reference: `key: expected → actual`. */
  readonly stateMismatches: string[];
  readonly ok: boolean;
}

export function referenceCounts(inputs: readonly CountInput[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const input of inputs) counts.set(input.key, (counts.get(input.key) ?? 0) + 1);
  return counts;
}

export function verifyCounts(inputs: readonly CountInput[], outputs: readonly CountOutput[], state: ReadonlyMap<string, number>): Verification {
  const seen = new Map<number, number>();
  for (const output of outputs) seen.set(output.seq, (seen.get(output.seq) ?? 0) + 1);
  const missing: number[] = [];
  const duplicated: number[] = [];
  // The expected count of each record: its position among the records of its key, in input order.
  const position = new Map<number, number>();
  const running = new Map<string, number>();
  for (const input of inputs) {
    const times = seen.get(input.seq) ?? 0;
    if (times === 0) missing.push(input.seq);
    if (times > 1) duplicated.push(input.seq);
    const count = (running.get(input.key) ?? 0) + 1;
    running.set(input.key, count);
    position.set(input.seq, count);
  }
  let wrongCounts = 0;
  for (const output of outputs) if (position.get(output.seq) !== output.count) wrongCounts++;
  const stateMismatches: string[] = [];
  const reference = referenceCounts(inputs);
  for (const key of new Set([...reference.keys(), ...state.keys()])) {
    if (reference.get(key) !== state.get(key)) stateMismatches.push(`${key}: ${reference.get(key) ?? 'none'} → ${state.get(key) ?? 'none'}`);
  }
  const ok = missing.length === 0 && duplicated.length === 0 && wrongCounts === 0 && stateMismatches.length === 0 && outputs.length === inputs.length;
  return { expected: inputs.length, received: outputs.length, missing, duplicated, wrongCounts, stateMismatches, ok };
}
