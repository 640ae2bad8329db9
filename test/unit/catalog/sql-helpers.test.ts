// Pure parts of the SQL catalog: connection URIs, placeholders, metadata file
// names and the metadata-log, namespace encoding.
import { describe, expect, it } from 'vitest';
import {
  appendMetadataLog,
  metadataDirectory,
  metadataFileLocation,
  metadataFileVersion,
} from '../../../src/catalog/sql/metadata-files.ts';
import { parseSqlUri } from '../../../src/catalog/sql/open-sql-catalog.ts';
import { numberPlaceholders } from '../../../src/catalog/sql/postgres-driver.ts';
import { namespaceFromSql, namespaceToSql } from '../../../src/catalog/sql/sql-namespace.ts';
import { ConfigError, ValidationError } from '../../../src/errors.ts';
import { newTableMetadata } from '../../../src/iceberg/apply-updates.ts';
import { UNPARTITIONED } from '../../../src/iceberg/partition-spec.ts';
import { UNSORTED_ORDER } from '../../../src/iceberg/sort-order.ts';
import type { TableMetadata } from '../../../src/iceberg/table-metadata.ts';
import { primitive } from '../../../src/iceberg/types.ts';

function table(properties: Record<string, string> = {}, nowMs = 1000): TableMetadata {
  return newTableMetadata({
    tableUuid: '9c12d441-03fe-4693-9a96-a0705ddf69c1',
    location: 's3://bucket/wh/db.db/events/',
    schema: {
      schemaId: 0,
      identifierFieldIds: [],
      fields: [{ id: 1, name: 'id', required: true, type: primitive('long') }],
    },
    spec: UNPARTITIONED,
    sortOrder: UNSORTED_ORDER,
    properties,
    formatVersion: 2,
    nowMs,
  });
}

describe('parseSqlUri', () => {
  it('reads SQLAlchemy sqlite URIs with three or four slashes as absolute paths', () => {
    expect(parseSqlUri('sqlite:////tmp/x/catalog.db')).toEqual({ kind: 'sqlite', path: '/tmp/x/catalog.db' });
    expect(parseSqlUri('sqlite:///tmp/x/catalog.db')).toEqual({ kind: 'sqlite', path: '/tmp/x/catalog.db' });
  });

  it('reads file URIs, plain paths and in-memory databases', () => {
    expect(parseSqlUri('file:///tmp/a%20b/c.db')).toEqual({ kind: 'sqlite', path: '/tmp/a b/c.db' });
    expect(parseSqlUri('file:/tmp/c.db')).toEqual({ kind: 'sqlite', path: '/tmp/c.db' });
    expect(parseSqlUri('/var/lib/floe/catalog.db')).toEqual({
      kind: 'sqlite',
      path: '/var/lib/floe/catalog.db',
    });
    expect(parseSqlUri(':memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
  });

  it('normalizes PostgreSQL URIs, including SQLAlchemy driver suffixes', () => {
    expect(parseSqlUri('postgresql://u:p@h:5432/db')).toEqual({
      kind: 'postgres',
      url: 'postgresql://u:p@h:5432/db',
    });
    expect(parseSqlUri('postgres://u:p@h/db')).toEqual({ kind: 'postgres', url: 'postgresql://u:p@h/db' });
    expect(parseSqlUri('postgresql+psycopg2://u:p@h/db')).toEqual({
      kind: 'postgres',
      url: 'postgresql://u:p@h/db',
    });
  });

  it('rejects other schemes without echoing credentials', () => {
    expect(() => parseSqlUri('mysql://root:secret@h/db')).toThrow(ConfigError);
    expect(() => parseSqlUri('mysql://root:secret@h/db')).toThrow(/mysql:\/\/\*\*\*@h\/db/);
    expect(() => parseSqlUri('sqlite://')).not.toThrow();
  });
});

describe('numberPlaceholders', () => {
  it('numbers ? placeholders in order and leaves quoted literals alone', () => {
    expect(numberPlaceholders("SELECT a FROM t WHERE b = ? AND c = '?' AND d = ?")).toBe(
      "SELECT a FROM t WHERE b = $1 AND c = '?' AND d = $2",
    );
  });
});

describe('namespaces in the shared tables', () => {
  it('joins levels with dots and splits them back', () => {
    expect(namespaceToSql(['a', 'b', 'c'])).toBe('a.b.c');
    expect(namespaceFromSql('a.b.c')).toEqual(['a', 'b', 'c']);
  });

  it('refuses levels the dotted form cannot represent', () => {
    expect(() => namespaceToSql([])).toThrow(ValidationError);
    expect(() => namespaceToSql(['a.b'])).toThrow(ValidationError);
    expect(() => namespaceToSql(['a', ''])).toThrow(ValidationError);
  });
});

describe('metadata files', () => {
  it('names versions NNNNN-<uuid>.metadata.json under the metadata directory', () => {
    const metadata = table();
    expect(metadataDirectory(metadata)).toBe('s3://bucket/wh/db.db/events/metadata');
    expect(metadataFileLocation(metadata, 7, 'u')).toBe(
      's3://bucket/wh/db.db/events/metadata/00007-u.metadata.json',
    );
  });

  it('honours write.metadata.path', () => {
    const metadata = table({ 'write.metadata.path': 's3://other/meta/' });
    expect(metadataFileLocation(metadata, 0, 'u')).toBe('s3://other/meta/00000-u.metadata.json');
  });

  it('reads the version from a file name, -1 when there is none', () => {
    expect(metadataFileVersion('s3://b/t/metadata/00012-4f1c.metadata.json')).toBe(12);
    expect(metadataFileVersion('/t/metadata/123456-x.metadata.json')).toBe(123456);
    expect(metadataFileVersion('/t/metadata/v3.metadata.json')).toBe(-1);
  });

  it('appends the previous file with the base timestamp, trimming to previous-versions-max', () => {
    const base = {
      ...table({ 'write.metadata.previous-versions-max': '2' }, 3000),
      metadataLog: [
        { timestampMs: 1000, metadataFile: '/m/00000-a.metadata.json' },
        { timestampMs: 2000, metadataFile: '/m/00001-b.metadata.json' },
      ],
    };
    const next = { ...base, lastUpdatedMs: 4000 };
    const { metadata, expired } = appendMetadataLog(next, base, '/m/00002-c.metadata.json');
    expect(metadata.metadataLog).toEqual([
      { timestampMs: 2000, metadataFile: '/m/00001-b.metadata.json' },
      { timestampMs: 3000, metadataFile: '/m/00002-c.metadata.json' },
    ]);
    expect(expired).toEqual([{ timestampMs: 1000, metadataFile: '/m/00000-a.metadata.json' }]);
  });

  it('keeps 100 previous files by default', () => {
    const base = table({}, 5);
    const log = Array.from({ length: 100 }, (_, i) => ({
      timestampMs: i,
      metadataFile: `/m/${i}.metadata.json`,
    }));
    const { metadata, expired } = appendMetadataLog(
      { ...base, metadataLog: log },
      base,
      '/m/new.metadata.json',
    );
    expect(metadata.metadataLog).toHaveLength(100);
    expect(metadata.metadataLog.at(-1)).toEqual({ timestampMs: 5, metadataFile: '/m/new.metadata.json' });
    expect(expired.map((e) => e.metadataFile)).toEqual(['/m/0.metadata.json']);
  });
});
