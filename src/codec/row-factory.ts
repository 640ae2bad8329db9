// Object builders generated once per struct type: a single object literal per row
// gives every row of a type the same hidden class with no properties added later,
// which is what keeps V8's field access monomorphic downstream. The property
// values are evaluated in source order.

type Read<C> = (context: C) => unknown;
type Convert = (value: unknown) => unknown;

/** `(c) => ({ [names[i]]: readers[i](c) })`; `readers` may be filled in after this returns. */
export function readingRowFactory<C>(names: readonly string[], readers: readonly Read<C>[]): Read<C> {
  const body = names.map((name, i) => `${propertyKey(name)}: r[${i}](c)`).join(', ');
  return new Function('r', `return function readRow(c) { return { ${body} }; };`)(readers) as Read<C>;
}

/** `(source) => ({ [names[i]]: converters[i](source[names[i]]) })`. */
export function projectingRowFactory(
  names: readonly string[],
  converters: readonly Convert[],
): (source: Readonly<Record<string, unknown>>) => Record<string, unknown> {
  const body = names.map((name, i) => `${propertyKey(name)}: f[${i}](s[${JSON.stringify(name)}])`).join(', ');
  return new Function('f', `return function projectRow(s) { return { ${body} }; };`)(converters) as (
    source: Readonly<Record<string, unknown>>,
  ) => Record<string, unknown>;
}

// JSON.stringify yields a valid, escaped JS string literal for any name; __proto__
// must be a computed key to become an own property instead of the prototype.
function propertyKey(name: string): string {
  return name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name);
}
