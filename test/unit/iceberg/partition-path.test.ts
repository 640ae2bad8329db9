import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.ts';
import { humanPartitionValue, partitionPath, urlEncode } from '../../../src/iceberg/partition-path.ts';
import type { PartitionSpec } from '../../../src/iceberg/partition-spec.ts';
import { UNPARTITIONED } from '../../../src/iceberg/partition-spec.ts';
import { parseTransform } from '../../../src/iceberg/transforms.ts';
import type { Schema } from '../../../src/iceberg/types.ts';
import humanValues from '../../vectors/human-partition-values.json' with { type: 'json' };
import paths from '../../vectors/partition-paths.json' with { type: 'json' };
import { vectorType, vectorValue } from './vector-values.ts';

const schema: Schema = {
  schemaId: 0,
  identifierFieldIds: [],
  fields: paths.schema.map((field) => ({ ...field, required: false, type: vectorType(field.type) })),
};
const spec: PartitionSpec = {
  specId: 0,
  fields: paths.spec.map((field) => ({ ...field, transform: parseTransform(field.transform) })),
};
const fieldType = (sourceId: number) =>
  vectorType(paths.schema.find((field) => field.id === sourceId)?.type ?? '');

describe('partitionPath', () => {
  it.each(paths.cases)('writes $path', ({ tuple, path }) => {
    // tuple values are partition values: ints for day/hour/month/year/bucket, else the source representation
    const values = tuple.map((value, i) => {
      const field = spec.fields[i];
      if (field === undefined || field.transform.kind !== 'identity') return value;
      return vectorValue(fieldType(field.sourceId), value);
    });
    expect(partitionPath(spec, schema, values)).toBe(path);
  });

  it('is empty for an unpartitioned spec', () => {
    expect(partitionPath(UNPARTITIONED, schema, [])).toBe('');
  });

  it('refuses a tuple of the wrong size', () => {
    expect(() => partitionPath(spec, schema, [1])).toThrow(ValidationError);
  });

  it('refuses a spec whose source column is missing from the schema', () => {
    const orphan: PartitionSpec = {
      specId: 1,
      fields: [{ sourceId: 99, fieldId: 1000, name: 'x', transform: { kind: 'identity' } }],
    };
    expect(() => partitionPath(orphan, schema, [1])).toThrow(/source field id 99/);
  });
});

describe('humanPartitionValue', () => {
  it.each(humanValues.cases)('$transform of $type $value is $human', (c) => {
    const type = vectorType(c.type);
    expect(humanPartitionValue(parseTransform(c.transform), type, vectorValue(type, c.value))).toBe(c.human);
  });
});

describe('urlEncode (java.net.URLEncoder)', () => {
  it('keeps A-Z a-z 0-9 . - * _, writes space as +, escapes the rest as UTF-8', () => {
    expect(urlEncode('Az09.-*_')).toBe('Az09.-*_');
    expect(urlEncode("a b!~'()/%€")).toBe('a+b%21%7E%27%28%29%2F%25%E2%82%AC');
  });

  it('refuses text with a lone surrogate', () => {
    expect(() => urlEncode('\ud800')).toThrow(ValidationError);
  });
});
