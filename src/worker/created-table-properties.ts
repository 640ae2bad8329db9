// Table properties floe gives the tables it creates, under the connector's own
// autoCreate.properties (which win). Iceberg's defaults suit a batch job that
// commits a few times a day; a streaming writer commits every few seconds, and
// with them a table keeps five days of snapshots (tens of thousands) in a
// metadata.json rewritten on every commit, and a hundred old metadata files.
// An hour of snapshots is kept for time travel; the offsets floe keeps survive
// any expiry (docs/exactly-once.md). Tables floe did not create keep theirs.

/** Spec "Table properties": snapshots older than this are expired by the worker's maintenance. */
export const CREATED_TABLE_PROPERTIES: Readonly<Record<string, string>> = {
  'history.expire.max-snapshot-age-ms': String(60 * 60 * 1000),
  'write.metadata.delete-after-commit.enabled': 'true',
  'write.metadata.previous-versions-max': '10',
};

/** The properties of a table floe creates: its defaults, then the connector's. */
export function createdTableProperties(
  configured: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  return { ...CREATED_TABLE_PROPERTIES, ...configured };
}
