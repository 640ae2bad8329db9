// What a running `floe run` tells from outside: its Prometheus page (the port
// it logged as "http server listening"), summed per metric and label, and how
// much of a file it maps is resident (/proc/<pid>/smaps: the key index's LMDB
// file is memory-mapped, so its resident pages are the index's memory).
import { readFileSync, statSync } from 'node:fs';

export interface MetricsPage {
  /** Sum of the samples of `name` whose labels include every `labels` pair. */
  sum(name: string, labels?: Readonly<Record<string, string>>): number;
}

/** The worker's metrics page, or undefined when its port is not in the log yet or it does not answer. */
export async function scrapeMetrics(logFile: string): Promise<MetricsPage | undefined> {
  const port = loggedPort(logFile);
  if (port === undefined) return undefined;
  let text: string;
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    if (!response.ok) return undefined;
    text = await response.text();
  } catch {
    return undefined;
  }
  const samples = text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
      return match ? { name: match[1]!, labels: match[2] ?? '', value: Number(match[3]) } : undefined;
    })
    .filter((s) => s !== undefined);
  return {
    sum: (name, labels = {}) =>
      samples
        .filter(
          (s) =>
            s.name === name && Object.entries(labels).every(([k, v]) => s.labels.includes(`${k}="${v}"`)),
        )
        .reduce((total, s) => total + s.value, 0),
  };
}

function loggedPort(logFile: string): number | undefined {
  let log: string;
  try {
    log = readFileSync(logFile, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of log.split('\n')) {
    if (!line.includes('"http server listening"')) continue;
    const port = (JSON.parse(line) as { port?: number }).port;
    if (port !== undefined) return port;
  }
  return undefined;
}

/**
 * Resident bytes of the largest mapping in process `pid` of a file whose path
 * ends with `suffix` (0 when none or gone). LMDB maps its file again, from
 * offset 0, each time the file grows and keeps the older, smaller mappings:
 * their pages are the same file pages, so they are not added up.
 */
export function residentMappedBytes(pid: number, suffix: string): number {
  let smaps: string;
  try {
    smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return 0;
  }
  let inFile = false;
  let size = 0;
  let best = { size: 0, rssKb: 0 };
  for (const line of smaps.split('\n')) {
    // A mapping's header starts with its address range, e.g. "7f3a...-7f3b... r--s ... /path".
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inFile = line.trimEnd().endsWith(suffix);
    else if (inFile && line.startsWith('Size:')) size = Number(/(\d+)/.exec(line)?.[1] ?? 0);
    else if (inFile && line.startsWith('Rss:') && size >= best.size)
      best = { size, rssKb: Number(/(\d+)/.exec(line)?.[1] ?? 0) };
  }
  return best.rssKb * 1024;
}

/** Bytes a file takes on disk (its allocated blocks: LMDB's file is sparse), 0 when missing. */
export function diskBytes(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat === undefined ? 0 : stat.blocks * 512;
}
