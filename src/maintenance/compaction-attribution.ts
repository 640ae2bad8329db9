// Keyed tables (docs/upsert.md, "The key index"): floe's upsert and CDC
// connectors write each data file from the records of one Kafka (topic,
// partition) and end its name with `.kp<partition>-<topic>.parquet`; the key
// index of a partition is rebuilt from the files so named. Compaction rewrites
// such files only with files of the same ending and gives the new files that
// ending too, so a rebuild attributes the moved rows to the same partition.
// Files without it (another engine's) may be rewritten together. The pattern is
// the one of src/worker/upsert/file-attribution.ts (a layer compaction may not
// import); the two must agree.
const ATTRIBUTED = /\.kp\d{1,10}-[A-Za-z0-9._-]{1,249}\.parquet$/;

/** The attribution ending of a data file's name (`.kp<partition>-<topic>.parquet`), or undefined. */
export function attributionSuffix(path: string): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return ATTRIBUTED.exec(name)?.[0];
}
