import { describe, expect, it } from 'vitest';
import { jsonSchemaToIceberg } from '../../../src/codec/json-schema-to-iceberg.ts';
import { typeToString } from '../../../src/iceberg/types.ts';

const show = (document: unknown) =>
  typeToString({ kind: 'struct', fields: jsonSchemaToIceberg(document).fields });

describe('JSON Schema -> Iceberg', () => {
  it('maps types, formats, required and nullable', () => {
    expect(
      show({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        required: ['id', 'note', 'when'],
        properties: {
          id: { type: 'integer' },
          small: { type: 'integer', 'connect.type': 'int32' },
          ratio: { type: 'number' },
          f: { type: 'number', 'connect.type': 'float32' },
          ok: { type: 'boolean' },
          note: { type: ['string', 'null'] },
          when: { type: 'string', format: 'date-time' },
          day: { type: 'string', format: 'date' },
          clock: { type: 'string', format: 'time' },
          uid: { type: 'string', format: 'uuid' },
          blob: { type: 'string', contentEncoding: 'base64' },
          color: { enum: ['red', 'green'] },
          tags: { type: 'array', items: { type: 'string' } },
          maybe: { anyOf: [{ type: 'null' }, { type: 'integer' }] },
          attrs: { type: 'object', additionalProperties: { type: 'number' } },
          address: { $ref: '#/$defs/Address' },
        },
        $defs: { Address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
      }),
    ).toBe(
      'struct<1: id: required long, 2: small: optional int, 3: ratio: optional double, 4: f: optional float, ' +
        '5: ok: optional boolean, 6: note: optional string, 7: when: required timestamptz, 8: day: optional date, ' +
        '9: clock: optional time, 10: uid: optional uuid, 11: blob: optional binary, 12: color: optional string, ' +
        '13: tags: optional list<string>, 15: maybe: optional long, 16: attrs: optional map<string, double>, ' +
        '19: address: optional struct<20: city: required string>>',
    );
  });

  it('rejects what has no Iceberg equivalent, naming where', () => {
    expect(() => jsonSchemaToIceberg({ type: 'string' })).toThrow(/must be an object with properties/);
    expect(() =>
      jsonSchemaToIceberg({
        type: 'object',
        properties: { x: { oneOf: [{ type: 'string' }, { type: 'integer' }] } },
      }),
    ).toThrow('JSON Schema at x: anyOf/oneOf other than "null or one schema" has no Iceberg equivalent');
    expect(() =>
      jsonSchemaToIceberg({
        type: 'object',
        properties: { n: { $ref: '#/definitions/Node' } },
        definitions: { Node: { type: 'object', properties: { next: { $ref: '#/definitions/Node' } } } },
      }),
    ).toThrow(/recursive \$ref "#\/definitions\/Node"/);
    expect(() =>
      jsonSchemaToIceberg({ type: 'object', properties: { x: { $ref: 'http://x/y.json' } } }),
    ).toThrow(/cannot resolve \$ref/);
  });
});
