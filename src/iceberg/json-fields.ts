// Typed reads of fields from parsed JSON objects (output of parseJson), each
// failing with a ValidationError that names the key and where it was read.

import { ValidationError } from '../errors.ts';

export type JsonObject = Readonly<Record<string, unknown>>;

export function asObject(json: unknown, where: string): JsonObject {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ValidationError(`${where} must be a JSON object, got ${describe(json)}`);
  }
  return json as JsonObject;
}

export function asArray(json: unknown, where: string): readonly unknown[] {
  if (!Array.isArray(json)) throw new ValidationError(`${where} must be a JSON list, got ${describe(json)}`);
  return json;
}

export function requireInt(object: JsonObject, key: string, where: string): number {
  const value = object[key];
  if (!Number.isSafeInteger(value)) {
    throw new ValidationError(`'${key}' of ${where} must be an int, got ${describe(value)}`);
  }
  return value as number;
}

export function optionalInt(object: JsonObject, key: string, where: string): number | undefined {
  return object[key] === undefined || object[key] === null ? undefined : requireInt(object, key, where);
}

/** A JSON long: exact as bigint whether parseJson gave a number or a bigint. */
export function requireLong(object: JsonObject, key: string, where: string): bigint {
  const value = object[key];
  if (typeof value === 'bigint') return value;
  if (Number.isSafeInteger(value)) return BigInt(value as number);
  throw new ValidationError(`'${key}' of ${where} must be a long, got ${describe(value)}`);
}

export function optionalLong(object: JsonObject, key: string, where: string): bigint | undefined {
  return object[key] === undefined || object[key] === null ? undefined : requireLong(object, key, where);
}

export function requireString(object: JsonObject, key: string, where: string): string {
  const value = object[key];
  if (typeof value !== 'string') {
    throw new ValidationError(`'${key}' of ${where} must be a string, got ${describe(value)}`);
  }
  return value;
}

export function optionalString(object: JsonObject, key: string, where: string): string | undefined {
  return object[key] === undefined || object[key] === null ? undefined : requireString(object, key, where);
}

export function requireBool(object: JsonObject, key: string, where: string): boolean {
  const value = object[key];
  if (typeof value !== 'boolean') {
    throw new ValidationError(`'${key}' of ${where} must be a boolean, got ${describe(value)}`);
  }
  return value;
}

/** A JSON object of string values (properties, snapshot summaries); missing means empty. */
export function stringMap(object: JsonObject, key: string, where: string): Record<string, string> {
  const value = object[key];
  if (value === undefined || value === null) return {};
  const map = asObject(value, `'${key}' of ${where}`);
  const result: Record<string, string> = {};
  for (const [name, entry] of Object.entries(map)) {
    if (typeof entry !== 'string') {
      throw new ValidationError(`'${key}.${name}' of ${where} must be a string, got ${describe(entry)}`);
    }
    result[name] = entry;
  }
  return result;
}

/**
 * The keys floe does not model (other vendors' or newer spec fields), verbatim,
 * so a read-modify-write can carry them over instead of dropping them; undefined
 * when there are none.
 */
export function unknownKeys(
  object: JsonObject,
  known: ReadonlySet<string>,
): Readonly<Record<string, unknown>> | undefined {
  const extra = Object.entries(object).filter(([key]) => !known.has(key));
  return extra.length === 0 ? undefined : Object.fromEntries(extra);
}

/** Appends `extra` to `json`, never overwriting a key floe wrote itself. */
export function withUnknownKeys(
  json: Record<string, unknown>,
  extra: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  for (const [key, value] of Object.entries(extra ?? {})) if (!(key in json)) json[key] = value;
  return json;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'bigint') return value.toString();
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
