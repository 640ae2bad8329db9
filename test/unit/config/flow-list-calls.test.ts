// A transform with two arguments in a YAML flow list, `[day(ts), bucket(16, id)]`,
// as the README writes it: YAML splits it at the comma; floe reads what was meant.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConnectorConfig } from '../../../src/config/load-connector-config.ts';
import { errorMessage, tempFolder, writeConfig } from './temp-config.ts';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

/** The YAML code block of `markdown` whose first line is `firstLine`. */
function yamlBlock(markdown: string, firstLine: string): string {
  const block = [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((match) => match[1] as string)
    .find((text) => text.startsWith(`${firstLine}\n`));
  if (block === undefined) throw new Error(`no yaml block starting with ${firstLine}`);
  return block;
}

function partitionFields(yaml: string) {
  const file = writeConfig(tempFolder(), 'orders.yaml', yaml);
  return loadConnectorConfig(file, {}).autoCreate.partitionFields;
}

const DAY_AND_BUCKET = [
  { source: 'ts', transform: { kind: 'day' } },
  { source: 'id', transform: { kind: 'bucket', numBuckets: 16 } },
];

describe('partitionBy in a flow list', () => {
  it.each(['README.md', 'docs/configuration.md'])('reads the connector example of %s as written', (doc) => {
    const yaml = yamlBlock(readFileSync(repo(doc), 'utf8'), '# connectors/orders.yaml');
    expect(yaml).toContain('partitionBy: [day(ts), bucket(16, id)]');
    expect(partitionFields(yaml)).toEqual(DAY_AND_BUCKET);
  });

  it('joins a call split at a comma without a space, keeping the order of entries', () => {
    const yaml =
      'topics: [t]\nvalue: { format: json }\ntable: a.t\nautoCreate:\n  partitionBy: [bucket(16,id), day(ts), truncate( 4 , name )]\n';
    expect(partitionFields(yaml)).toEqual([
      { source: 'id', transform: { kind: 'bucket', numBuckets: 16 } },
      { source: 'ts', transform: { kind: 'day' } },
      { source: 'name', transform: { kind: 'truncate', width: 4 } },
    ]);
  });

  it('names the joined entry by its index and line in errors', () => {
    const file = writeConfig(
      tempFolder(),
      'c.yaml',
      'topics: [t]\nvalue: { format: json }\ntable: a.t\nautoCreate:\n  partitionBy: [bucket(16, id), foo(1, x)]\n',
    );
    expect(errorMessage(() => loadConnectorConfig(file, {}))).toBe(
      `${file}:5: autoCreate.partitionBy[1]: unknown transform "foo" (forms: column, identity(col), year(col), month(col), day(col), hour(col), bucket(N, col), truncate(W, col))`,
    );
  });

  it('hints at quoting when a piece is never closed', () => {
    const file = writeConfig(
      tempFolder(),
      'c.yaml',
      'topics: [t]\nvalue: { format: json }\ntable: a.t\nautoCreate:\n  partitionBy: [day(ts), bucket(16, id]\n',
    );
    expect(errorMessage(() => loadConnectorConfig(file, {}))).toContain(
      `${file}:5: autoCreate.partitionBy[1]: "bucket(16" is not a partition field: a comma inside [ ... ] splits an entry; quote it ('bucket(16, id)') or write one entry per line`,
    );
  });

  it('leaves quoted pieces as written', () => {
    const file = writeConfig(
      tempFolder(),
      'c.yaml',
      "topics: [t]\nvalue: { format: json }\ntable: a.t\nautoCreate:\n  partitionBy: ['bucket(16', 'id)']\n",
    );
    expect(errorMessage(() => loadConnectorConfig(file, {}))).toContain(
      'autoCreate.partitionBy[0]: "bucket(16"',
    );
  });
});
