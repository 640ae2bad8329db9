// Every example that ships must work as shipped: the YAML and shell snippets of
// README.md and docs/*.md (extracted from the Markdown, never copied here), the
// files in connectors/ and examples/, and the Helm values examples, each loaded
// and validated by floe's own config loader or checked against floe's CLI.
// FLOE_EXAMPLES_DOCS=a.md,b.md checks other Markdown files instead (e.g. an old
// README, to see this test fail on it).
import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/cli/load-config.ts';
import { loadConnectorConfig } from '../../src/config/load-connector-config.ts';
import { loadWorkerConfig } from '../../src/config/load-worker-config.ts';
import { tempFolder, writeConfig } from './config/temp-config.ts';
import {
  classifyYaml,
  completion,
  deepMerge,
  exampleEnv,
  type FencedBlock,
  fencedBlocks,
  floeInvocations,
  namedScripts,
  parseYaml,
} from './examples-snippets.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const at = (path: string) => join(root, path);
const read = (path: string) => readFileSync(path, 'utf8');

const docs = process.env.FLOE_EXAMPLES_DOCS?.split(',') ?? [
  'README.md',
  ...readdirSync(at('docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
  'connectors/README.md',
  'helm/floe/README.md',
];
const blocks: FencedBlock[] = docs.flatMap((doc) => {
  const path = doc.startsWith('/') ? doc : at(doc);
  return fencedBlocks(read(path), doc.startsWith('/') ? doc : relative(root, path));
});
const yamlBlocks = blocks.filter((block) => block.lang === 'yaml' || block.lang === 'yml');
const shellBlocks = blocks.filter((block) => ['sh', 'bash', 'shell', 'console'].includes(block.lang));

const HELM_DEFAULTS = parseYaml(read(at('helm/floe/values.yaml'))) as Record<string, unknown>;
const HELM_KEYS = new Set(Object.keys(HELM_DEFAULTS));
/** The keys of the worker file that the chart sets itself (helm/floe/README.md). */
const CHART_OWNED = ['connectorsDir', 'dataDir', 'server'];

/** Loads a worker file's text with its connectors folder; returns what was loaded. */
function loadHelmValues(values: Record<string, unknown>, env: Record<string, string>): string[] {
  const merged = deepMerge(HELM_DEFAULTS, values);
  const config = merged.config as Record<string, unknown>;
  const owned = CHART_OWNED.filter((key) => key in config);
  if (owned.length > 0) throw new Error(`config sets ${owned.join(', ')}, which the chart owns`);
  const folder = tempFolder();
  const files = (merged.connectors as { files?: Record<string, unknown> }).files ?? {};
  for (const [name, connector] of Object.entries(files)) {
    writeConfig(
      folder,
      `connectors/${name}.yaml`,
      typeof connector === 'string' ? connector : stringify(connector),
    );
  }
  const worker = writeConfig(
    folder,
    'floe.yaml',
    stringify({ ...config, connectorsDir: './connectors', dataDir: './data', server: { port: 8080 } }),
  );
  if (Object.keys(files).length === 0) {
    loadWorkerConfig(worker, env);
    return ['config'];
  }
  const loaded = loadConfig(worker, env);
  return ['config', ...loaded.connectors.map((connector) => `connector ${connector.name}`)];
}

/** Validates one YAML block with floe's loader; throws naming the block. */
function checkYamlBlock(block: FencedBlock): string {
  let document: unknown;
  try {
    document = parseYaml(block.text);
  } catch (error) {
    throw new Error(`${block.where}: invalid YAML: ${(error as Error).message}`);
  }
  const kind = classifyYaml(document, HELM_KEYS);
  if ('problem' in kind)
    throw new Error(`${block.where}: cannot tell what this YAML block is: ${kind.problem}`);
  const env = exampleEnv(block.text);
  try {
    if (kind.kind === 'helm-values') {
      loadHelmValues(document as Record<string, unknown>, env);
    } else {
      const name = /^#\s*connectors\/([\w-]+)\.ya?ml/m.exec(block.text)?.[1] ?? 'example';
      const text = block.text + completion(kind.kind, document as Record<string, unknown>);
      const file = writeConfig(tempFolder(), kind.kind === 'connector' ? `${name}.yaml` : 'floe.yaml', text);
      if (kind.kind === 'connector') loadConnectorConfig(file, env);
      else loadWorkerConfig(file, env);
    }
  } catch (error) {
    throw new Error(`${block.where} (${kind.kind}): ${(error as Error).message}`);
  }
  return kind.kind;
}

interface CliSpec {
  readonly commands: Map<string, Set<string>>;
  readonly global: Set<string>;
}

/** floe's commands and their options, from the CLI's own help (`floe --help`, `floe <command> --help`). */
async function cliSpec(): Promise<CliSpec> {
  const { main } = await import('../../src/cli.ts');
  const help = async (...args: string[]) => {
    let out = '';
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    try {
      await main([...args, '--help']);
    } finally {
      write.mockRestore();
    }
    return out;
  };
  const section = (text: string, title: string) => {
    const start = text.indexOf(`\n${title}:\n`);
    if (start < 0) return [];
    const lines = text.slice(start + title.length + 3).split('\n');
    const end = lines.findIndex((line) => line.trim() !== '' && !line.startsWith(' '));
    return lines.slice(0, end < 0 ? undefined : end).filter((line) => /^ {2}\S/.test(line));
  };
  const options = (text: string) =>
    new Set(
      section(text, 'Options').flatMap(
        (line) =>
          line
            .trim()
            .split(/\s{2,}/)[0]!
            .match(/--?[\w-]+/g) ?? [],
      ),
    );
  const top = await help();
  const names = section(top, 'Commands')
    .map((line) => line.trim().split(/\s/)[0]!)
    .filter((command) => command !== 'help');
  const commands = new Map<string, Set<string>>();
  for (const command of names) {
    const text = await help(command);
    const own = options(text);
    commands.set(command, own);
    // Subcommands (`floe tables orphans`) take their own options and their parent's.
    for (const line of section(text, 'Commands')) {
      const sub = line.trim().split(/\s/)[0]!;
      if (sub === 'help') continue;
      commands.set(`${command} ${sub}`, new Set([...own, ...options(await help(command, sub))]));
    }
  }
  return { commands, global: options(top) };
}

describe('shipped examples', () => {
  it('finds the Markdown snippets it checks', () => {
    expect(yamlBlocks.length).toBeGreaterThan(0);
    expect(shellBlocks.length).toBeGreaterThan(0);
  });

  it('every YAML block of the docs is a floe file (or part of one) that loads', () => {
    const failures: string[] = [];
    const checked: string[] = [];
    for (const block of yamlBlocks) {
      if (block.info.split(/\s+/).includes('not-floe')) continue;
      try {
        checked.push(`${block.where}: ${checkYamlBlock(block)}`);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    expect(failures).toEqual([]);
    expect(checked.length).toBeGreaterThan(0);
  });

  it("every floe command in the docs' shell blocks exists with the options it passes", {
    timeout: 120_000,
  }, async () => {
    const cli = await cliSpec();
    expect([...cli.commands.keys()].sort()).toEqual(
      expect.arrayContaining(['backfill', 'run', 'tables', 'validate']),
    );
    const failures: string[] = [];
    let invocations = 0;
    for (const block of shellBlocks) {
      for (const invocation of floeInvocations(block.text)) {
        invocations++;
        const { options, words } = invocation;
        const nested = words.length > 1 ? `${words[0]} ${words[1]}` : undefined;
        const command = nested !== undefined && cli.commands.has(nested) ? nested : invocation.command;
        const known = cli.commands.get(command);
        if (command === '' || command.startsWith('-')) {
          const unknown = options.filter((option) => !cli.global.has(option));
          if (unknown.length > 0) failures.push(`${block.where}: floe has no option ${unknown.join(', ')}`);
          continue;
        }
        if (known === undefined) {
          failures.push(
            `${block.where}: floe has no command "${command}" (it has ${[...cli.commands.keys()].join(', ')})`,
          );
          continue;
        }
        const unknown = options.filter((option) => !known.has(option));
        if (unknown.length > 0)
          failures.push(`${block.where}: floe ${command} has no option ${unknown.join(', ')}`);
      }
    }
    expect(failures).toEqual([]);
    expect(invocations).toBeGreaterThan(0);
  });

  it('every script and npm script the shell blocks name exists', () => {
    const scripts = (JSON.parse(read(at('package.json'))) as { scripts: Record<string, string> }).scripts;
    const failures: string[] = [];
    for (const block of shellBlocks) {
      const { files, npmScripts } = namedScripts(block.text);
      for (const file of files) {
        try {
          accessSync(at(file), constants.X_OK);
        } catch {
          if (!existsSync(at(file))) failures.push(`${block.where}: ${file} does not exist`);
          else if (!file.endsWith('.ts')) failures.push(`${block.where}: ${file} is not executable`);
        }
      }
      for (const script of npmScripts) {
        if (scripts[script] === undefined)
          failures.push(`${block.where}: package.json has no script "${script}"`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('every file in connectors/ loads, and they fit together with examples/floe.yaml', () => {
    const files = readdirSync(at('connectors')).filter((name) => /\.ya?ml$/.test(name));
    expect(files.length).toBeGreaterThan(0);
    const loaded = loadConfig(at('examples/floe.yaml'), {});
    expect(loaded.worker.connectorsDir).toBe(at('connectors'));
    expect(loaded.connectors.map((connector) => connector.file).sort()).toEqual(
      files.map((name) => at(`connectors/${name}`)).sort(),
    );
  });

  it('every worker file in examples/ loads with its connectors', () => {
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        return statSync(path).isDirectory() ? walk(path) : [path];
      });
    const yamlFiles = walk(at('examples')).filter((path) => /\.ya?ml$/.test(path));
    const workers = yamlFiles.filter((path) => {
      const kind = classifyYaml(parseYaml(read(path)), HELM_KEYS);
      return 'kind' in kind && kind.kind === 'worker';
    });
    const covered = new Set<string>();
    for (const path of workers) {
      const env = exampleEnv(read(path));
      const worker = loadWorkerConfig(path, env);
      covered.add(path);
      if (!existsSync(worker.connectorsDir)) continue; // a deployment path such as /etc/floe/connectors
      for (const connector of loadConfig(path, env).connectors) covered.add(connector.file);
    }
    // nothing in examples/ is left unchecked: every YAML file is a worker file or one of their connectors
    expect(yamlFiles.filter((path) => !covered.has(path))).toEqual([]);
    expect(workers.length).toBeGreaterThanOrEqual(3);
  });

  it.each([
    'helm/floe/values.yaml',
    ...readdirSync(at('helm/ci'))
      .filter((name) => /\.ya?ml$/.test(name))
      .map((name) => `helm/ci/${name}`),
  ])('Helm values %s: the worker file and connector files the chart renders load', (path) => {
    const values = (parseYaml(read(at(path))) ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(values).filter((key) => !HELM_KEYS.has(key));
    expect(unknown).toEqual([]);
    expect(loadHelmValues(values, exampleEnv(read(at(path))))[0]).toBe('config');
  });
});
