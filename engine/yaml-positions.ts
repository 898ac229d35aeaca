import { isMap, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/** Finds where a value (or, with `key`, a key of a map) sits in the YAML source, as 1-based line and column. */
export function locate(
  doc: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  key?: string,
): { line: number; column: number } | undefined {
  let node: unknown = doc.contents;
  let found: Node | undefined = doc.contents ?? undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => String((item.key as { value?: unknown } | null)?.value ?? item.key) === String(segment));
      if (pair === undefined) break;
      node = pair.value;
      found = (pair.value ?? pair.key) as Node;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = node.items[segment];
      found = node as Node;
    } else break;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => String((item.key as { value?: unknown } | null)?.value ?? item.key) === key);
    if (pair !== undefined) found = pair.key as Node;
  }
  const offset = found?.range?.[0];
  return offset === undefined ? undefined : { line: lineCounter.linePos(offset).line, column: lineCounter.linePos(offset).col };
}
