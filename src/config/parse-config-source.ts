// The pipeline every config file goes through: YAML syntax, ${ENV} interpolation,
// shape and defaults (zod), extra checks; all problems of the file are thrown
// together in one ConfigError, each with the line of its key.
import type { z } from 'zod';
import type { ConfigProblem } from './config-problem.ts';
import { formatKeyPath, throwProblems } from './config-problem.ts';
import type { ConfigSource } from './config-source.ts';
import { type Env, interpolateDocument, type RetypedValue } from './env-interpolation.ts';
import { schemaAt, takesString } from './schema-keys.ts';
import { zodProblems } from './zod-problems.ts';

export interface ParseOptions {
  readonly env: Env;
  /** Fills in values that depend on where the file is (the connector name from the file name). */
  readonly prepare?: (raw: Record<string, unknown>) => void;
  /** Checks across keys that must run even when other keys are wrong. */
  readonly check?: (raw: Record<string, unknown>) => ConfigProblem[];
}

export function parseConfigSource<S extends z.ZodType>(
  source: ConfigSource,
  schema: S,
  options: ParseOptions,
): z.output<S> {
  const syntax = source.syntaxErrors();
  if (syntax.length > 0) throwProblems(source.file, syntax);

  const { problems: interpolation, retyped } = interpolateDocument(source.document, options.env);
  const js: unknown = source.document.toJS({ maxAliasCount: 1000 });
  keepTextForStrings(js, schema, retyped);
  const raw = withoutNullEntries(js);
  if (raw === null || raw === undefined) {
    throwProblems(source.file, [{ text: `${source.file}: the file is empty (expected a mapping of keys)` }]);
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throwProblems(source.file, [{ line: 1, text: `${source.file}:1: the file must be a mapping of keys` }]);
  }
  const record = raw as Record<string, unknown>;
  options.prepare?.(record);

  const result = schema.safeParse(record, { reportInput: false });
  const interpolated = new Set(interpolation.map((problem) => formatKeyPath(problem.path)));
  const shape = result.success
    ? []
    : zodProblems(result.error.issues, schema, record).filter(
        (problem) => !interpolated.has(formatKeyPath(problem.path)),
      );
  const problems = [...interpolation, ...shape, ...(options.check?.(record) ?? [])];
  if (problems.length > 0 || !result.success) {
    throwProblems(
      source.file,
      dedupe(problems).map((problem) => source.locate(problem)),
    );
  }
  return result.data;
}

/**
 * Gives each interpolated value that YAML typed (env-interpolation.ts) its text
 * back where the schema takes a string (properties maps included), so that
 * `password: ${P}` with P=012345 or P=null is that text; a key that takes a
 * number or boolean keeps the typed value.
 */
function keepTextForStrings(js: unknown, schema: z.ZodType, retyped: readonly RetypedValue[]): void {
  for (const { path, text } of retyped) {
    const target = schemaAt(schema, path, js);
    if (target === undefined || !takesString(target)) continue;
    const parent = path
      .slice(0, -1)
      .reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], js);
    const last = path[path.length - 1];
    if (parent === null || typeof parent !== 'object' || last === undefined) continue;
    (parent as Record<string | number, unknown>)[last] = text;
  }
}

/** An empty value (`key:`) means the key is not set, as if it were left out. */
function withoutNullEntries(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNullEntries);
  if (value !== null && typeof value === 'object' && !(value instanceof Map)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, child]) => child !== null && child !== undefined)
        .map(([key, child]) => [key, withoutNullEntries(child)]),
    );
  }
  return value;
}

function dedupe(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${formatKeyPath(problem.path)}\n${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
