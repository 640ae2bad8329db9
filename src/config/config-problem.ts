// One thing wrong in a config file, located by its key path; the loaders collect
// every problem of a file and throw them together in one ConfigError.
import { ConfigError } from '../errors.ts';

export type KeyPath = readonly (string | number)[];

export interface ConfigProblem {
  readonly path: KeyPath;
  /** What is wrong, without the file or the key path (e.g. `must be one of a, b (got "c")`). */
  readonly message: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `kafka.security.sasl.mechanism`, `value.schema[2].type`, `kafka.properties["fetch.max.bytes"]`. */
export function formatKeyPath(path: KeyPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** `<file>:<line>: <key.path>: <message>`; the line or the key path is left out when unknown or empty. */
export function formatProblem(file: string, line: number | undefined, problem: ConfigProblem): string {
  const where = line === undefined ? file : `${file}:${line}`;
  const key = formatKeyPath(problem.path);
  return key === '' ? `${where}: ${problem.message}` : `${where}: ${key}: ${problem.message}`;
}

/** Throws one ConfigError listing every problem, one per line, file-wide ones first, then in line order. */
export function throwProblems(file: string, located: readonly { line?: number; text: string }[]): never {
  const sorted = [...located].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  throw new ConfigError(sorted.map((entry) => entry.text).join('\n'), { file, problems: sorted.length });
}
