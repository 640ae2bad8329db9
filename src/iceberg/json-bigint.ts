// JSON with exact 64-bit integers. Iceberg snapshot ids are 63-bit longs, which a
// plain JSON.parse rounds to the nearest double; here they stay exact as bigint.

import { ValidationError } from '../errors.ts';

interface ReviverContext {
  readonly source?: string;
}
type SourceReviver = (this: unknown, key: string, value: unknown, context?: ReviverContext) => unknown;
const parseWithSource = JSON.parse as (text: string, reviver: SourceReviver) => unknown;

const INTEGER_LITERAL = /^-?\d+$/;

/**
 * Parses JSON; integer literals outside the safe-integer range become bigint with
 * their exact value (read from the reviver's `context.source`). Everything else
 * is what JSON.parse returns.
 */
export function parseJson(text: string): unknown {
  try {
    return parseWithSource(text, (_key, value, context) => {
      if (typeof value !== 'number' || Number.isSafeInteger(value)) return value;
      const source = context?.source;
      if (source === undefined) {
        throw new ValidationError('JSON.parse gave no number source text: Node 22 or newer is required');
      }
      return INTEGER_LITERAL.test(source) ? BigInt(source) : value;
    });
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError(`invalid JSON: ${(error as Error).message}`, {}, { cause: error });
  }
}

/**
 * Writes JSON like JSON.stringify(value, null, indent), except that bigint is
 * written as a bare number and non-finite numbers, functions and symbols fail
 * instead of silently becoming null. Object keys keep their insertion order.
 */
export function stringifyJson(value: unknown, indent = 0): string {
  const unit = ' '.repeat(indent);
  const write = (node: unknown, depth: string, path: string): string | undefined => {
    if (node === null) return 'null';
    switch (typeof node) {
      case 'undefined':
        return undefined;
      case 'boolean':
        return node ? 'true' : 'false';
      case 'string':
        return JSON.stringify(node);
      case 'bigint':
        return node.toString();
      case 'number':
        if (!Number.isFinite(node)) throw new ValidationError(`cannot write ${node} as JSON at ${path}`);
        return JSON.stringify(node);
      case 'object':
        break;
      default:
        throw new ValidationError(`cannot write a ${typeof node} as JSON at ${path}`);
    }
    if (!Array.isArray(node) && Object.getPrototypeOf(node) !== Object.prototype) {
      if (Object.getPrototypeOf(node) !== null) {
        throw new ValidationError(`cannot write a ${node.constructor.name} as JSON at ${path}`);
      }
    }
    const inner = depth + unit;
    const open = indent > 0 ? `\n${inner}` : '';
    const close = indent > 0 ? `\n${depth}` : '';
    const separator = indent > 0 ? `,\n${inner}` : ',';
    if (Array.isArray(node)) {
      if (node.length === 0) return '[]';
      const items = node.map((item, i) => write(item, inner, `${path}[${i}]`) ?? 'null');
      return `[${open}${items.join(separator)}${close}]`;
    }
    const members: string[] = [];
    for (const [key, member] of Object.entries(node)) {
      const text = write(member, inner, `${path}.${key}`);
      if (text !== undefined) members.push(`${JSON.stringify(key)}:${indent > 0 ? ' ' : ''}${text}`);
    }
    if (members.length === 0) return '{}';
    return `{${open}${members.join(separator)}${close}}`;
  };
  return write(value, '', '$') ?? 'null';
}
