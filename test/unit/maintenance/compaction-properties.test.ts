// The compaction settings a table carries as properties: defaults, values, and
// a malformed value refused naming the table and the property.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.ts';
import { compactionSettings } from '../../../src/maintenance/compaction-properties.ts';

describe('compactionSettings', () => {
  it('has the documented defaults', () => {
    expect(compactionSettings({}, 'db.t')).toEqual({
      enabled: true,
      minInputFiles: 5,
      quietMs: 600_000,
      maxFilesPerActivePartition: 8,
      deleteRatioThreshold: 0.3,
    });
  });

  it('reads every property', () => {
    const settings = compactionSettings(
      {
        'floe.compaction.enabled': 'false',
        'floe.compaction.min-input-files': '3',
        'floe.compaction.quiet-ms': '1000',
        'floe.compaction.max-files-per-active-partition': '20',
        'floe.compaction.max-input-bytes': '1048576',
        'floe.compaction.delete-ratio-threshold': '0.5',
        'floe.compaction.delete-file-threshold': '4',
      },
      'db.t',
    );
    expect(settings).toEqual({
      enabled: false,
      minInputFiles: 3,
      quietMs: 1000,
      maxFilesPerActivePartition: 20,
      maxInputBytes: 1_048_576,
      deleteRatioThreshold: 0.5,
      deleteFileThreshold: 4,
    });
  });

  it('refuses a malformed value, naming the table and the property', () => {
    const bad: Array<[string, string]> = [
      ['floe.compaction.delete-ratio-threshold', '0'],
      ['floe.compaction.delete-ratio-threshold', '1.5'],
      ['floe.compaction.delete-ratio-threshold', 'a third'],
      ['floe.compaction.delete-ratio-threshold', ''],
      ['floe.compaction.delete-file-threshold', '0'],
      ['floe.compaction.delete-file-threshold', '2.5'],
      ['floe.compaction.max-files-per-active-partition', '-1'],
      ['floe.compaction.enabled', 'yes'],
    ];
    for (const [key, value] of bad) {
      const read = () => compactionSettings({ [key]: value }, 'db.t');
      expect(read, `${key}=${value}`).toThrow(ConfigError);
      expect(read, `${key}=${value}`).toThrow(
        new RegExp(`table db\\.t: property ${key.replace(/\./g, '\\.')}`),
      );
    }
  });
});
