// Secrets never leave the config layer in clear: not in error messages, not in
// the logged config. A key is secret by its name, anywhere in the tree.
import type { KeyPath } from './config-problem.ts';

const SECRET_KEYS: ReadonlySet<string> = new Set([
  'password',
  'keyPassword',
  'secretAccessKey',
  'sessionToken',
  'credential',
  'token',
  'bearerToken',
  'clientSecret',
]);

/** Raw client properties (librdkafka, catalog) whose names look like secrets. */
const SECRET_PROPERTY = /password|secret|token|credential|jaas|private/i;

/**
 * The password of a URI's user-info part: postgresql://user:PASSWORD@host/db. It
 * runs to the last '@' before the path, as URL parsers read it: a password may
 * hold '@' or '#' a writer forgot to percent-encode.
 */
const URI_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*:)[^/\s]*@/i;

export const REDACTED = '***';

/** Whether the value at this key path is a secret (by its key, or a secret-looking entry of a `properties` map). */
export function isSecretPath(path: KeyPath): boolean {
  const key = path[path.length - 1];
  if (typeof key !== 'string') return false;
  if (SECRET_KEYS.has(key)) return true;
  return path[path.length - 2] === 'properties' && SECRET_PROPERTY.test(key);
}

/** A copy for logging: secret values replaced by `***`, passwords inside URIs too. */
export function redactConfig<T>(config: T): T {
  return redactValue(config, []) as T;
}

/** The text with the password of a leading URI's user-info replaced by `***`. */
export function redactUriPassword(text: string): string {
  return text.replace(URI_PASSWORD, `$1${REDACTED}@`);
}

function redactValue(value: unknown, path: KeyPath): unknown {
  if (value === undefined || value === null) return value;
  if (isSecretPath(path)) return REDACTED;
  if (typeof value === 'string') return redactUriPassword(value);
  if (Array.isArray(value)) return value.map((item, index) => redactValue(item, [...path, index]));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [key, redactValue(child, [...path, key])]),
    );
  }
  return value;
}
