/** A path into a document or a record: field names and array indexes. */
export type PathSegment = string | number;

/** `['pipeline', 1, 'validate', 'schema']` → `pipeline[1].validate.schema`; `['node_ids', 2]` → `node_ids[2]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}
