// zod issues as ConfigProblems with messages an operator can act on:
//   must be one of avro, json-schema, protobuf, json (got "avroo")
//   unknown key (did you mean "bootstrapServers"?)
// Values of secret keys are never quoted back.
import type { z } from 'zod';
import { closestKey } from './closest-key.ts';
import type { ConfigProblem, KeyPath } from './config-problem.ts';
import { isSecretPath, redactUriPassword } from './redact-config.ts';
import { knownKeysAt } from './schema-keys.ts';

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

export function zodProblems(
  issues: readonly z.core.$ZodIssue[],
  root: z.core.$ZodType,
  input: unknown,
): ConfigProblem[] {
  return issues.flatMap((issue) => issueProblems(issue, root, input));
}

function issueProblems(issue: z.core.$ZodIssue, root: z.core.$ZodType, input: unknown): ConfigProblem[] {
  const path = issue.path.filter((segment) => typeof segment !== 'symbol') as KeyPath;
  const value = valueAt(input, path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(root, path, input);
      return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(key, known) }));
    }
    case 'invalid_type': {
      if (value === undefined) return [{ path, message: 'is required' }];
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return [{ path, message: `must be ${expected} (got ${describe(value, path)})` }];
    }
    case 'invalid_value':
      // A missing key of an enum comes here, not as invalid_type.
      if (value === undefined) return [{ path, message: `is required (${oneOf(issue.values)})` }];
      return [{ path, message: `must be ${oneOf(issue.values)} (got ${describe(value, path)})` }];
    case 'invalid_union': {
      const discriminated = issue as z.core.$ZodIssueInvalidUnion & { options?: unknown[] };
      if (discriminated.options !== undefined) {
        const message =
          value === undefined
            ? `is required (${oneOf(discriminated.options)})`
            : `must be ${oneOf(discriminated.options)} (got ${describe(value, path)})`;
        return [{ path, message }];
      }
      return [{ path, message: issue.message }];
    }
    case 'too_small':
    case 'too_big':
    case 'invalid_format': {
      const primitive = typeof value === 'string' || typeof value === 'number';
      return [
        { path, message: primitive ? `${issue.message} (got ${describe(value, path)})` : issue.message },
      ];
    }
    default:
      return [{ path, message: issue.message }];
  }
}

export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const hint = closestKey(key, known);
  if (hint !== undefined) return `unknown key (did you mean "${hint}"?)`;
  return known.length > 0 ? `unknown key (known keys: ${known.join(', ')})` : 'unknown key';
}

function oneOf(values: readonly unknown[]): string {
  const texts = values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value)));
  return texts.length === 1 ? (texts[0] as string) : `one of ${texts.join(', ')}`;
}

/** The offending value for a message: quoted when short and not secret, else its kind. */
export function describe(value: unknown, path: KeyPath): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (isSecretPath(path)) return `a ${typeof value}, not shown: the key is a secret`;
  const text = typeof value === 'string' ? JSON.stringify(redactUriPassword(value)) : String(value);
  return text.length <= 60 ? text : `${text.slice(0, 57)}..."`;
}

function valueAt(input: unknown, path: KeyPath): unknown {
  let value = input;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}
