// Which Kafka partition a data file's rows came from, for rebuilding the key
// index of one partition from the table. In the keyed modes floe writes every
// data file from the records of one (topic, partition) and says so in its name:
// `<anything>.kp<partition>-<topic>.parquet` (Kafka topic names are path-safe:
// letters, digits, `.`, `_`, `-`). Files of other engines (a Spark rewrite, an
// INSERT) carry no attribution: their keys go to the table's shared index part
// (key-index.ts), looked up after the partition's own.
export interface FileAttribution {
  readonly topic: string;
  readonly partition: number;
}

const ATTRIBUTED = /\.kp(\d{1,10})-([A-Za-z0-9._-]{1,249})\.parquet$/;

/** The name suffix floe gives a keyed connector's data file of `topic`'s `partition`. */
export function attributedFileSuffix(topic: string, partition: number): string {
  return `.kp${partition}-${topic}.parquet`;
}

/** The (topic, partition) a data file's name attributes it to, or undefined (another engine's file). */
export function fileAttribution(path: string): FileAttribution | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const match = ATTRIBUTED.exec(name);
  if (match === null) return undefined;
  return { topic: match[2]!, partition: Number(match[1]) };
}

/** The live data files of a table split by attribution: per `topic:partition`, and the unattributed. */
export function splitByAttribution<T extends { readonly path: string }>(
  files: readonly T[],
): { byPartition: Map<string, T[]>; unattributed: T[] } {
  const byPartition = new Map<string, T[]>();
  const unattributed: T[] = [];
  for (const file of files) {
    const owner = fileAttribution(file.path);
    if (owner === undefined) {
      unattributed.push(file);
      continue;
    }
    const name = `${owner.topic}:${owner.partition}`;
    const list = byPartition.get(name);
    if (list === undefined) byPartition.set(name, [file]);
    else list.push(file);
  }
  return { byPartition, unattributed };
}
