// Where floe's threads spent their time, from the V8 .cpuprofile files written
// by `node --cpu-prof` (one per thread: the main thread and each Parquet encoder
// thread): self time per function and per source file.
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
  /** 'main thread' or 'thread N' (from the file name node gives each thread's profile). */
  readonly thread: string;
  readonly totalMs: number;
  /** Sampled time the thread waited (libuv poll: Kafka, disk, network, messages). */
  readonly idleMs: number;
  readonly functions: readonly ProfileEntry[];
  readonly files: readonly ProfileEntry[];
}

/** Summarizes every .cpuprofile in `dir`, main thread first; `root` shortens source paths. */
export function summarizeCpuProfiles(dir: string, root: string, top = 10): ProfileSummary[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort((a, b) => threadId(a) - threadId(b))
    .map((name) => summarize(join(dir, name), root, top));
}

/** CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile */
function threadId(name: string): number {
  return Number(name.split('.').at(-3) ?? 0);
}

function summarize(file: string, root: string, top: number): ProfileSummary {
  const id = threadId(file);
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
    thread: id === 0 ? 'main thread' : `thread ${id}`,
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
    `CPU profile of the ${summary.thread} (${summary.file}): ${(summary.totalMs / 1000).toFixed(1)} s sampled, idle ${idle.toFixed(0)}%`,
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
