/**
 * Median of `values[0, length)` by quickselect (Hoare partition, middle pivot), in expected O(length).
 * The array is reordered in place. For an even length it is the mean of the two middle values.
 */
export function medianInPlace(values: Float64Array, length: number): number {
  if (length < 1) throw new RangeError('the median of no values is undefined');
  const upper = length >> 1;
  selectInPlace(values, length, upper);
  if (length % 2 === 1) return values[upper]!;
  // After selection every value left of `upper` is ≤ values[upper]: the lower middle is their maximum.
  let lower = values[0]!;
  for (let i = 1; i < upper; i++) if (values[i]! > lower) lower = values[i]!;
  return (lower + values[upper]!) / 2;
}

/** Reorders values[0, length) so that values[k] is the k-th smallest, smaller ones left of it, larger right. */
function selectInPlace(values: Float64Array, length: number, k: number): void {
  let left = 0;
  let right = length - 1;
  while (left < right) {
    const pivot = values[(left + right) >> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}
