// Where the worker's main thread spent its time, from a V8 .cpuprofile written
// by `node --cpu-prof`: self time per function and per source file.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileEntry {
  readonly name: string;
  readonly selfMs: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  /** Sampled time the main thread waited (libuv poll: Kafka, disk, network). */
  readonly idleMs: number;
  readonly functions: readonly ProfileEntry[];
  readonly files: readonly ProfileEntry[];
}

/** Summarizes the newest .cpuprofile in `dir`; `root` shortens source paths. */
export function summarizeCpuProfile(dir: string, root: string, top = 10): ProfileSummary | undefined {
  const newest = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort()
    .at(-1);
  if (newest === undefined) return undefined;
  const file = join(dir, newest);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  profile.samples.forEach((nodeId, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const frame = byNode.get(nodeId)?.callFrame;
    if (frame === undefined) return;
    totalUs += us;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      return;
    }
    const source = shortSource(frame.url, root);
    const fn =
      `${frame.functionName || '(anonymous)'} ${source ? `${source}:${frame.lineNumber + 1}` : ''}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const group = source || frame.functionName;
    byFile.set(group, (byFile.get(group) ?? 0) + us);
  });
  const rank = (m: Map<string, number>): ProfileEntry[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: totalUs === 0 ? 0 : us / totalUs }));
  return {
    file,
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    functions: rank(byFunction),
    files: rank(byFile),
  };
}

function shortSource(url: string, root: string): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const inRoot = path.startsWith(root) ? relative(root, path) : path;
  return inRoot.replace(/^.*node_modules\//, 'node_modules/');
}

export function formatProfile(summary: ProfileSummary): string {
  const idle = summary.totalMs === 0 ? 0 : (summary.idleMs / summary.totalMs) * 100;
  const lines = [
    `CPU profile ${summary.file}: ${(summary.totalMs / 1000).toFixed(1)} s sampled, main thread idle ${idle.toFixed(0)}%`,
    '(shares below are of all sampled time; wasm:// is parquet-wasm, (program) is native code)',
  ];
  const section = (title: string, entries: readonly ProfileEntry[]) => {
    lines.push(title);
    for (const e of entries) {
      lines.push(
        `  ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.selfMs.toFixed(0).padStart(7)} ms  ${e.name}`,
      );
    }
  };
  section('top functions by self time:', summary.functions);
  section('top files by self time:', summary.files);
  return lines.join('\n');
}
