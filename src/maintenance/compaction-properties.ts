// Compaction settings a table can carry as properties (set with the connector's
// autoCreate.properties or any engine's ALTER TABLE ... SET TBLPROPERTIES).
// Iceberg defines none for rewrites (they are options of an engine's action),
// so these are floe's own; the file size target is Iceberg's
// write.target-file-size-bytes.
import { ConfigError } from '../errors.ts';
import { COMPACTION_DEFAULTS, type CompactionPlanOptions } from './compaction-plan.ts';

export const COMPACTION_PROPERTIES = {
  enabled: 'floe.compaction.enabled',
  minInputFiles: 'floe.compaction.min-input-files',
  quietMs: 'floe.compaction.quiet-ms',
  maxFilesPerActivePartition: 'floe.compaction.max-files-per-active-partition',
  maxInputBytes: 'floe.compaction.max-input-bytes',
  deleteRatioThreshold: 'floe.compaction.delete-ratio-threshold',
  deleteFileThreshold: 'floe.compaction.delete-file-threshold',
} as const;

export type TableCompactionSettings = { readonly enabled: boolean } & Pick<
  CompactionPlanOptions,
  | 'minInputFiles'
  | 'quietMs'
  | 'maxFilesPerActivePartition'
  | 'maxInputBytes'
  | 'deleteRatioThreshold'
  | 'deleteFileThreshold'
>;

/** The table's settings; a malformed value is an error naming the table and the property. */
export function compactionSettings(
  properties: Readonly<Record<string, string>>,
  table: string,
): TableCompactionSettings {
  const count = (key: string, fallback: number | undefined): number | undefined => {
    const text = properties[key];
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new ConfigError(`table ${table}: property ${key} must be a non-negative integer, got '${text}'`, {
        table,
        key,
      });
    return n;
  };
  const enabledText = properties[COMPACTION_PROPERTIES.enabled] ?? 'true';
  if (enabledText !== 'true' && enabledText !== 'false')
    throw new ConfigError(
      `table ${table}: property ${COMPACTION_PROPERTIES.enabled} must be true or false, got '${enabledText}'`,
      { table, key: COMPACTION_PROPERTIES.enabled },
    );
  const settings: Record<string, number | boolean> = { enabled: enabledText === 'true' };
  const put = (name: string, value: number | undefined) => {
    if (value !== undefined) settings[name] = value;
  };
  put('minInputFiles', count(COMPACTION_PROPERTIES.minInputFiles, COMPACTION_DEFAULTS.minInputFiles));
  put('quietMs', count(COMPACTION_PROPERTIES.quietMs, COMPACTION_DEFAULTS.quietMs));
  put(
    'maxFilesPerActivePartition',
    count(COMPACTION_PROPERTIES.maxFilesPerActivePartition, COMPACTION_DEFAULTS.maxFilesPerActivePartition),
  );
  put('maxInputBytes', count(COMPACTION_PROPERTIES.maxInputBytes, undefined));
  const ratioKey = COMPACTION_PROPERTIES.deleteRatioThreshold;
  const ratioText = properties[ratioKey];
  const ratio = ratioText === undefined ? COMPACTION_DEFAULTS.deleteRatioThreshold : Number(ratioText);
  if (!Number.isFinite(ratio) || ratio <= 0 || ratio > 1 || ratioText?.trim() === '')
    throw new ConfigError(
      `table ${table}: property ${ratioKey} must be a fraction above 0 and at most 1, got '${ratioText}'`,
      { table, key: ratioKey },
    );
  put('deleteRatioThreshold', ratio);
  const files = count(COMPACTION_PROPERTIES.deleteFileThreshold, undefined);
  if (files === 0)
    throw new ConfigError(
      `table ${table}: property ${COMPACTION_PROPERTIES.deleteFileThreshold} must be at least 1, got '0'`,
      { table, key: COMPACTION_PROPERTIES.deleteFileThreshold },
    );
  put('deleteFileThreshold', files);
  return settings as unknown as TableCompactionSettings;
}
