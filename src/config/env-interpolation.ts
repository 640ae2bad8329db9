// ${NAME} and ${NAME:-default} in string values (never in keys); $${ is a literal ${.
// An unquoted value is typed after interpolation by the document's own YAML
// schema, as if the text had been written in the file: `port: ${PORT:-8080}` is
// the number 8080 (0x1F is 31), `enabled: ${ON}` with ON=false is false, and an
// empty result is an absent key. Quoted values ('...' or "...") stay strings.
// Every value typed away from its text is listed (`retyped`) so the loader can
// give a key that takes a string the exact text back (parse-config-source.ts): a
// password 012345 or null from the environment is that text (Helm's toYaml drops
// the quotes a values file had).
import { type Document, isMap, isScalar, isSeq, Scalar, type ScalarTag } from 'yaml';
import type { ConfigProblem, KeyPath } from './config-problem.ts';
import { isSecretPath } from './redact-config.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export type InterpolationResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly message: string };

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `secret`: the text is a secret's, so messages leave it out. */
export function interpolateString(text: string, env: Env, secret = false): InterpolationResult {
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
      const usage = `(\${NAME} or \${NAME:-default})`;
      return {
        ok: false,
        message: secret
          ? `has a "\${" that is not a variable reference ${usage}; not shown: the key is a secret`
          : `"\${${body}}" is not a variable reference ${usage}`,
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

/** An unquoted value that interpolation typed as something else than its text (a number, true, null), and its text. */
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
      const result = interpolateString(node.value, env, isSecretPath(path));
      if (!result.ok) {
        problems.push({ path, message: result.message });
        return;
      }
      const text = result.value;
      node.value = node.type === Scalar.PLAIN ? typedValue(document, text) : text;
      // An empty result has no text to keep: the key is not set.
      if (node.value !== text && text !== '') retyped.push({ path, text });
    }
  };
  visit(document.contents, []);
  return { problems, retyped };
}

/** What the document's YAML schema (1.2 core unless the file says otherwise) makes of an unquoted scalar's text. */
function typedValue(document: Document, text: string): unknown {
  const tag = document.schema.tags.find(
    (candidate): candidate is ScalarTag =>
      candidate.collection === undefined && candidate.default === true && candidate.test?.test(text) === true,
  );
  if (tag === undefined) return text;
  let failed = false;
  const value = tag.resolve(
    text,
    () => {
      failed = true;
    },
    document.options,
  );
  if (failed) return text;
  return isScalar(value) ? value.value : value;
}
