/**
 * Optimal assignment (Hungarian algorithm, O(n³) shortest augmenting paths with potentials).
 * Rectangular matrices are padded with zero-weight dummy rows or columns.
 */

/** Assignment of rows to columns minimising total cost: result[row] = column, or -1 for none. */
export function minimumCostAssignment(cost: readonly (readonly number[])[]): number[] {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : cost[0]!.length;
  const n = Math.max(rows, cols);
  if (n === 0) return [];
  const at = (r: number, c: number): number => (r < rows && c < cols ? cost[r]![c]! : 0);

  // 1-based arrays; index 0 is the virtual start column of each augmenting path.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const rowOfCol = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  const minSlack = new Float64Array(n + 1);
  const used = new Uint8Array(n + 1);
  for (let r = 1; r <= n; r++) {
    rowOfCol[0] = r;
    let col = 0;
    minSlack.fill(Infinity);
    used.fill(0);
    do {
      used[col] = 1;
      const row = rowOfCol[col]!;
      let delta = Infinity;
      let next = 0;
      for (let c = 1; c <= n; c++) {
        if (used[c]) continue;
        const slack = at(row - 1, c - 1) - u[row]! - v[c]!;
        if (slack < minSlack[c]!) {
          minSlack[c] = slack;
          way[c] = col;
        }
        if (minSlack[c]! < delta) {
          delta = minSlack[c]!;
          next = c;
        }
      }
      for (let c = 0; c <= n; c++) {
        if (used[c]) {
          u[rowOfCol[c]!] = u[rowOfCol[c]!]! + delta;
          v[c] = v[c]! - delta;
        } else {
          minSlack[c] = minSlack[c]! - delta;
        }
      }
      col = next;
    } while (rowOfCol[col] !== 0);
    do {
      const previous = way[col]!;
      rowOfCol[col] = rowOfCol[previous]!;
      col = previous;
    } while (col !== 0);
  }

  const result = new Array<number>(rows).fill(-1);
  for (let c = 1; c <= n; c++) {
    const r = rowOfCol[c]! - 1;
    if (r < rows && c - 1 < cols) result[r] = c - 1;
  }
  return result;
}

/** Assignment of rows to columns maximising total weight: result[row] = column, or -1 for none. */
export function maximumWeightAssignment(weight: readonly (readonly number[])[]): number[] {
  return minimumCostAssignment(weight.map((row) => row.map((w) => -w)));
}
