// docs/configuration.md must document every key the loaders accept.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { connectorConfigSchema } from '../../../src/config/connector-config-schema.ts';
import { allKeyPaths } from '../../../src/config/schema-keys.ts';
import { workerConfigSchema } from '../../../src/config/worker-config-schema.ts';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/configuration.md', import.meta.url)), 'utf8');

/** Nested type mappings (element/key/value of a declared field) repeat the field keys and are documented once. */
const documented = (paths: string[]) => paths.filter((path) => !/\]\.(element|key|value)\./.test(path));

describe('docs/configuration.md', () => {
  it.each([
    ['worker', workerConfigSchema],
    ['connector', connectorConfigSchema],
  ])('has a row for every %s key', (_kind, schema) => {
    const paths = documented(allKeyPaths(schema));
    expect(paths.length).toBeGreaterThan(10);
    const missing = paths.filter((path) => !doc.includes(`| \`${path}\` |`));
    expect(missing).toEqual([]);
  });
});
