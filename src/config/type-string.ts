// Iceberg type names as written in connector files: long, timestamptz,
// decimal(10,2), fixed[16], list<string>, map<string,long>, list<map<string,double>>.
import { ValidationError } from '../errors.ts';
import type { IcebergType, PrimitiveTypeName } from '../iceberg/types.ts';
import { decimal, fixed, PRIMITIVE_TYPE_NAMES, primitive } from '../iceberg/types.ts';

const PRIMITIVES = PRIMITIVE_TYPE_NAMES;

export const TYPE_NAMES =
  'boolean, int, long, float, double, decimal(P,S), date, time, timestamp, timestamptz, timestamp_ns, timestamptz_ns, string, uuid, fixed[N], binary, list<T>, map<K,V>, struct (with fields)';

/**
 * A declared type's ids are assigned by the caller; `nextId` hands them out in
 * depth-first order. Throws a ValidationError whose message says what is wrong with the text.
 */
export function parseTypeString(text: string, nextId: () => number): IcebergType {
  const parser = new TypeParser(text, nextId);
  const type = parser.type();
  parser.end();
  return type;
}

class TypeParser {
  readonly #text: string;
  readonly #nextId: () => number;
  #at = 0;

  constructor(text: string, nextId: () => number) {
    this.#text = text;
    this.#nextId = nextId;
  }

  type(): IcebergType {
    const name = this.#word();
    switch (name) {
      case 'decimal': {
        this.#expect('(');
        const precision = this.#integer();
        this.#expect(',');
        const scale = this.#integer();
        this.#expect(')');
        if (precision < 1 || precision > 38)
          throw new ValidationError(`decimal precision must be 1 to 38 (got ${precision})`);
        if (scale > precision)
          throw new ValidationError(`decimal scale ${scale} is larger than its precision ${precision}`);
        return decimal(precision, scale);
      }
      case 'fixed': {
        const open = this.#peek() === '(' ? '(' : '[';
        this.#expect(open);
        const length = this.#integer();
        this.#expect(open === '(' ? ')' : ']');
        if (length < 1) throw new ValidationError('fixed length must be at least 1');
        return fixed(length);
      }
      case 'list': {
        this.#expect('<');
        const elementId = this.#nextId();
        const element = this.type();
        this.#expect('>');
        return { kind: 'list', elementId, elementRequired: false, element };
      }
      case 'map': {
        this.#expect('<');
        const keyId = this.#nextId();
        const valueId = this.#nextId();
        const key = this.type();
        this.#expect(',');
        const value = this.type();
        this.#expect('>');
        return { kind: 'map', keyId, key, valueId, valueRequired: false, value };
      }
      case 'struct':
        throw new ValidationError('struct needs its fields: write `type: struct` with a `fields` list');
      default:
        if (PRIMITIVES.has(name)) return primitive(name as PrimitiveTypeName);
        throw new ValidationError(`unknown type "${name}" (types: ${TYPE_NAMES})`);
    }
  }

  end(): void {
    this.#skipSpaces();
    if (this.#at < this.#text.length) {
      throw new ValidationError(`unexpected "${this.#text.slice(this.#at)}" after the type`);
    }
  }

  #skipSpaces(): void {
    while (this.#text[this.#at] === ' ') this.#at += 1;
  }

  #peek(): string | undefined {
    this.#skipSpaces();
    return this.#text[this.#at];
  }

  #word(): string {
    this.#skipSpaces();
    const match = /^[a-z_]+/i.exec(this.#text.slice(this.#at));
    if (match === null)
      throw new ValidationError(`expected a type name at "${this.#rest()}" in "${this.#text}"`);
    this.#at += match[0].length;
    return match[0].toLowerCase();
  }

  #integer(): number {
    this.#skipSpaces();
    const match = /^\d+/.exec(this.#text.slice(this.#at));
    if (match === null)
      throw new ValidationError(`expected a number at "${this.#rest()}" in "${this.#text}"`);
    this.#at += match[0].length;
    return Number(match[0]);
  }

  #rest(): string {
    return this.#at < this.#text.length ? this.#text.slice(this.#at) : '(end)';
  }

  #expect(char: string): void {
    if (this.#peek() !== char) throw new ValidationError(`expected "${char}" in "${this.#text}"`);
    this.#at += 1;
  }
}
