// The examples test's reading of Markdown: fenced code blocks, what a YAML block
// is (told by its top-level keys), and the floe commands a shell block runs.
import { parse } from 'yaml';
import { connectorConfigSchema } from '../../src/config/connector-config-schema.ts';
import { allKeyPaths } from '../../src/config/schema-keys.ts';
import { workerConfigSchema } from '../../src/config/worker-config-schema.ts';

export interface FencedBlock {
  /** `file:line` of the opening fence. */
  readonly where: string;
  /** The info string's first word (`yaml`, `sh`, ...), lower case; '' when absent. */
  readonly lang: string;
  /** The rest of the info string (`not-floe` marks YAML that is not a floe file). */
  readonly info: string;
  readonly text: string;
}

/** Every fenced code block (``` or ~~~, indented or not) of a Markdown text. */
export function fencedBlocks(markdown: string, file: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const [, indent = '', fence = '', lang = '', info = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line);
    }
    if (j === lines.length) throw new Error(`${file}:${i + 1}: a code block that is never closed`);
    blocks.push({
      where: `${file}:${i + 1}`,
      lang: lang.toLowerCase(),
      info: info.trim(),
      text: body.join('\n'),
    });
    i = j;
  }
  return blocks;
}

export type YamlKind = 'connector' | 'worker' | 'helm-values';

const topLevel = (paths: string[]) => new Set(paths.map((path) => path.split(/[.[]/)[0]!));
const CONNECTOR_KEYS = topLevel(allKeyPaths(connectorConfigSchema));
const WORKER_KEYS = topLevel(allKeyPaths(workerConfigSchema));

/**
 * What a YAML block is, by its top-level keys: a connector file (or a part of
 * one) when every key is a connector key, a worker file (or part) when every key
 * is a worker key, Helm values when every key is a value of the chart. Anything
 * else cannot be classified, and the test fails on it rather than skip it.
 */
export function classifyYaml(
  document: unknown,
  helmKeys: ReadonlySet<string>,
): { kind: YamlKind } | { problem: string } {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    return { problem: 'not a mapping of keys' };
  }
  const keys = Object.keys(document);
  if (keys.length === 0) return { problem: 'an empty mapping' };
  const all = (known: ReadonlySet<string>) => keys.every((key) => known.has(key));
  if (all(CONNECTOR_KEYS)) return { kind: 'connector' };
  if (all(WORKER_KEYS)) return { kind: 'worker' };
  if (all(helmKeys)) return { kind: 'helm-values' };
  return {
    problem: `keys ${keys.join(', ')} are neither all connector keys, all worker keys nor all Helm values (mark YAML that is not a floe file with \`\`\`yaml not-floe)`,
  };
}

/**
 * The top-level keys a part of a file leaves out, as YAML lines to append to its
 * text (the snippet's own text is loaded as written, so its flow lists, quoting
 * and ${ENV} references go through floe's loader unchanged).
 */
export function completion(kind: 'connector' | 'worker', document: Record<string, unknown>): string {
  const lines: string[] = [];
  if (kind === 'connector') {
    if (document.topics === undefined && document.topicPattern === undefined) lines.push('topics: [example]');
    if (document.table === undefined && document.route === undefined) lines.push('table: example.table');
    if (document.value === undefined) lines.push('value: { format: json }');
  } else {
    if (document.kafka === undefined) lines.push('kafka: { bootstrapServers: 127.0.0.1:9092 }');
    if (document.catalog === undefined) lines.push('catalog: { type: sql }');
  }
  return lines.length === 0 ? '' : `\n# completed by the examples test\n${lines.join('\n')}\n`;
}

/** Helm's merge of values: mappings merge key by key, anything else is replaced. */
export function deepMerge(base: unknown, over: unknown): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(over as Record<string, unknown>)) {
    const current = merged[key];
    merged[key] = isMapping(current) && isMapping(value) ? deepMerge(current, value) : value;
  }
  return merged;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Values for the `${NAME}` references without a default in a text, so a snippet
 * that takes secrets from the environment loads: the same kind of value a user
 * would set (an address for hosts, a URL for URLs, a word otherwise).
 */
export function exampleEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [, name = ''] of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    if (/BOOTSTRAP|BROKERS/.test(name)) env[name] = 'broker-1:9092,broker-2:9092';
    else if (/URL|URI|ENDPOINT/.test(name)) env[name] = 'https://service.example.com';
    else env[name] = 'example';
  }
  return env;
}

/** A `floe` invocation in a shell line: the command and the options it passes. */
export interface FloeInvocation {
  readonly command: string;
  readonly options: string[];
  /** The words that are not options, in order: the command, a subcommand, arguments. */
  readonly words: string[];
}

/**
 * The floe invocations of a shell block: `floe …`, `node bin/floe.js …`,
 * `npx floe …`, `bin/floe.js …`; `\` continuations joined, comments dropped.
 * Options are the `-x` / `--name` tokens, brackets and `=value` stripped.
 */
export function floeInvocations(text: string): FloeInvocation[] {
  const invocations: FloeInvocation[] = [];
  const joined = text.replace(/\\\n/g, ' ');
  for (const raw of joined.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    const tokens = line.split(/\s+/).filter((token) => token !== '');
    const at = tokens.findIndex(
      (token, i) =>
        /(^|\/)floe\.js$/.test(token) || (token === 'floe' && (i === 0 || tokens[i - 1] === 'npx')),
    );
    if (at < 0) continue;
    const rest = tokens.slice(at + 1);
    const words = rest.filter((token) => !token.startsWith('-'));
    const command = words[0] ?? '';
    const options = rest
      .map((token) => token.replace(/^[[(]+/, '').replace(/[\])]+$/, ''))
      .filter((token) => /^--?[A-Za-z]/.test(token))
      .map((token) => token.split('=')[0]!);
    invocations.push({ command, options, words });
  }
  return invocations;
}

/** Other things a shell line names that must exist: `scripts/…` files and `npm run …` / `npm test` scripts. */
export function namedScripts(text: string): { files: string[]; npmScripts: string[] } {
  const code = text
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, ''))
    .join('\n');
  const files = [...code.matchAll(/(?:^|[\s;&|(])((?:\.\/)?(?:scripts|bench|\.ci)\/[\w./-]+)/g)].map(
    (match) => match[1]!.replace(/^\.\//, ''),
  );
  const npmScripts = [
    ...[...code.matchAll(/\bnpm run ([\w:-]+)/g)].map((match) => match[1]!),
    ...[...code.matchAll(/\bnpm (test|start)\b/g)].map((match) => match[1]!),
  ];
  return { files, npmScripts };
}

/** Parses a YAML block's text (the `yaml` package, as floe's loader). */
export function parseYaml(text: string): unknown {
  return parse(text);
}
