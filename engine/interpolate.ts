/** `${VAR}` and `${VAR:-default}` in topology values; `$${` is a literal `${`. */

const reference = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface Interpolation {
  value: string;
  /** Variables referenced without a default and not set. */
  missing: string[];
}

export function interpolate(text: string, env: Readonly<Record<string, string | undefined>>): Interpolation {
  const missing: string[] = [];
  const value = text.replace(reference, (match, name: string | undefined, fallback: string | undefined) => {
    if (name === undefined) return '${';
    const set = env[name];
    if (set !== undefined && set !== '') return set;
    if (fallback !== undefined) return fallback;
    missing.push(name);
    return match;
  });
  return { value, missing };
}

export function hasReference(text: string): boolean {
  return text.includes('${');
}
