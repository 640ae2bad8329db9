// Tables floe creates get streaming-friendly retention (an hour of snapshots,
// old metadata files deleted) unless the connector's autoCreate.properties say
// otherwise; the connector's values win key by key.
import { describe, expect, it } from 'vitest';
import { connectorSettings } from '../../../src/cli/runtime-factory.ts';
import { loadConnectorConfig } from '../../../src/config/load-connector-config.ts';
import { tempFolder, writeConfig } from '../config/temp-config.ts';

function created(yaml: string): Readonly<Record<string, string>> {
  const file = writeConfig(tempFolder(), 'events.yaml', yaml);
  return connectorSettings(loadConnectorConfig(file, {}), undefined).autoCreate.properties;
}

describe('properties of the tables floe creates', () => {
  it('keep an hour of snapshots and delete old metadata files by default', () => {
    expect(created('topics: [events]\nvalue:\n  format: json\ntable: a.events\n')).toEqual({
      'history.expire.max-snapshot-age-ms': '3600000',
      'write.metadata.delete-after-commit.enabled': 'true',
      'write.metadata.previous-versions-max': '10',
    });
  });

  it("take the connector's autoCreate.properties over floe's", () => {
    const yaml = [
      'topics: [events]',
      'value:\n  format: json',
      'table: a.events',
      'autoCreate:',
      '  properties:',
      "    history.expire.max-snapshot-age-ms: '604800000'",
      '    write.parquet.compression-codec: zstd',
    ].join('\n');
    expect(created(yaml)).toEqual({
      'history.expire.max-snapshot-age-ms': '604800000',
      'write.metadata.delete-after-commit.enabled': 'true',
      'write.metadata.previous-versions-max': '10',
      'write.parquet.compression-codec': 'zstd',
    });
  });
});
