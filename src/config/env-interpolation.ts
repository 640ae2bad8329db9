// ${NAME} and ${NAME:-default} in string values (never in keys); $${ is a literal ${.
// An unquoted value is re-typed after interpolation, as if the text had been
// written in the file: `port: ${PORT:-8080}` is the number 8080, `enabled: ${ON}`
// with ON=false is false, and an empty result is an absent key. Quoted values
// ('...' or "...") stay strings. A re-typed value keeps its text (`retyped`) for a
// key that takes a string: a password 12345 from the environment is not a number
// there (Helm's toYaml drops the quotes a values file had).
import { type Document, isMap, isScalar, isSeq, Scalar } from 'yaml';
import type { ConfigProblem, KeyPath } from './config-problem.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export type InterpolationResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly message: string };

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function interpolateString(text: string, env: Env): InterpolationResult {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      out += text[i];
      i += 1;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (close < 0) return { ok: false, message: 'unclosed "${" (write "$${" for a literal "${")' };
    const body = text.slice(i + 2, close);
    const separator = body.indexOf(':-');
    const name = separator < 0 ? body : body.slice(0, separator);
    if (!VARIABLE_NAME.test(name)) {
      return {
        ok: false,
        message: `"\${${body}}" is not a variable reference (\${NAME} or \${NAME:-default})`,
      };
    }
    const value = env[name];
    if (value !== undefined && (value !== '' || separator < 0)) out += value;
    else if (separator >= 0) out += body.slice(separator + 2);
    else
      return {
        ok: false,
        message: `environment variable ${name} is not set (and no default: \${${name}:-default})`,
      };
    i = close + 1;
  }
  return { ok: true, value: out };
}

/** An unquoted value that interpolation turned into a number or boolean, and its text. */
export interface RetypedValue {
  readonly path: KeyPath;
  readonly text: string;
}

export interface DocumentInterpolation {
  /** References that failed, each with its key path. */
  readonly problems: ConfigProblem[];
  readonly retyped: RetypedValue[];
}

/** Interpolates every string value of the document in place. */
export function interpolateDocument(document: Document, env: Env): DocumentInterpolation {
  const problems: ConfigProblem[] = [];
  const retyped: RetypedValue[] = [];
  const visit = (node: unknown, path: KeyPath): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        visit(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        visit(item, [...path, index]);
      });
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
      const result = interpolateString(node.value, env);
      if (!result.ok) {
        problems.push({ path, message: result.message });
        return;
      }
      node.value = node.type === Scalar.PLAIN ? retype(result.value) : result.value;
      if (typeof node.value === 'number' || typeof node.value === 'boolean')
        retyped.push({ path, text: result.value });
    }
  };
  visit(document.contents, []);
  return { problems, retyped };
}

const INTEGER = /^[-+]?\d+$/;
const FLOAT = /^[-+]?(\.\d+|\d+\.\d*|\d+)([eE][-+]?\d+)?$/;

/** YAML 1.2 core schema typing of an unquoted scalar's text. */
function retype(text: string): unknown {
  if (text === '' || text === '~' || /^(null|Null|NULL)$/.test(text)) return null;
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (INTEGER.test(text) || FLOAT.test(text)) return Number(text);
  return text;
}
