// floe's command line (commander) and composition root: `floe run`,
// `floe validate`, `floe tables`, `floe backfill`, `floe maintain`. Config errors print their message (file, line,
// key) without a stack trace and exit 2; any other failure (a taken port, an
// unreachable service) is one line and exit 1.
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKFILL_DEFAULTS, backfillCommand, type ProgressMode } from './cli/backfill-command.ts';
import { floeVersion } from './cli/floe-version.ts';
import { type MaintainOptions, maintainCommand } from './cli/maintain-command.ts';
import { runCommand } from './cli/run-command.ts';
import { orphansCommand, tablesCommand } from './cli/tables-command.ts';
import { validateCommand } from './cli/validate-command.ts';
import { ConfigError, FloeError } from './errors.ts';
import { serializeError } from './log.ts';

const DEFAULT_CONFIG = process.env.FLOE_CONFIG ?? 'floe.yaml';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a TCP port, 0-65535');
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('a positive integer');
  return n;
}

export async function main(argv: readonly string[]): Promise<number> {
  const print = (line: string) => process.stdout.write(`${line}\n`);
  let exitCode = 0;
  const program = new Command('floe')
    .description('Kafka-protocol topics to Apache Iceberg tables, exactly once')
    .version(floeVersion(), '-V, --version', "print floe's version")
    .showHelpAfterError()
    .exitOverride();
  program
    .command('run')
    .description("run the worker: join the consumer group and write the connectors' tables")
    .option('-c, --config <file>', 'worker file', DEFAULT_CONFIG)
    .option('-p, --port <port>', 'HTTP port for /healthz, /readyz, /metrics (overrides server.port)', port)
    .action(async (opts: { config: string; port?: number }) => {
      exitCode = await runCommand(opts);
    });
  program
    .command('validate')
    .description('check the worker file and connector files; --connectivity also reaches every service')
    .option('-c, --config <file>', 'worker file', DEFAULT_CONFIG)
    .option('--connectivity', 'connect to Kafka, the schema registry, the catalog and storage')
    .action(async (opts: { config: string; connectivity?: boolean }) => {
      exitCode = await validateCommand(opts, print);
    });
  program
    .command('tables')
    .description("list the connectors' tables, snapshots and committed offsets per partition")
    .option('-c, --config <file>', 'worker file', DEFAULT_CONFIG)
    .option('--lag', 'also show the lag to the broker per partition')
    .option('--json', 'print JSON')
    .action(async (opts: { config: string; lag?: boolean; json?: boolean }) => {
      exitCode = await tablesCommand(opts, print);
    })
    .command('orphans')
    .description(
      "remove files under a table's location that no retained metadata reaches and that are older than --older-than",
    )
    .argument('<table>', 'table identifier, e.g. shop.orders')
    .option('--older-than <age>', 'safety age: only older files are removed (3d, 12h, 30m, ...)', '3d')
    .option('--dry-run', 'list the orphans, remove nothing')
    .action(async (table: string, _opts: unknown, command: Command) => {
      const opts = command.optsWithGlobals<{
        config: string;
        olderThan: string;
        dryRun?: boolean;
        json?: boolean;
      }>();
      exitCode = await orphansCommand(table, opts, print);
    });
  program
    .command('backfill')
    .description(
      "read a connector's topics once from --from to --until into its tables (large files, rare commits), then exit; resumes where its tables are",
    )
    .argument('<connector>', 'connector name (its file name without extension)')
    .option('-c, --config <file>', 'worker file', DEFAULT_CONFIG)
    .option(
      '--from <start>',
      "where partitions the tables have never seen start: 'earliest', an ISO timestamp, or offsets like 0=100,1=250 (topic:0=100 for several topics)",
      'earliest',
    )
    .option(
      '--until <end>',
      "'now' (the log end when the backfill starts) or an ISO timestamp (exclusive)",
      'now',
    )
    .option(
      '--commit-records <n>',
      'commit after this many records',
      positiveInteger,
      BACKFILL_DEFAULTS.commitRecords,
    )
    .option(
      '--commit-bytes <n>',
      'commit after this many Kafka bytes',
      positiveInteger,
      BACKFILL_DEFAULTS.commitBytes,
    )
    .option(
      '--commit-interval <ms>',
      'commit at least this often',
      positiveInteger,
      BACKFILL_DEFAULTS.commitIntervalMs,
    )
    .addOption(
      new Option('--progress <mode>', 'bars on a terminal, JSON log lines otherwise')
        .choices(['auto', 'bar', 'log', 'none'])
        .default('auto'),
    )
    .action(
      async (
        connector: string,
        opts: {
          config: string;
          from: string;
          until: string;
          commitRecords: number;
          commitBytes: number;
          commitInterval: number;
          progress: ProgressMode;
        },
      ) => {
        exitCode = await backfillCommand({
          config: opts.config,
          connector,
          from: opts.from,
          until: opts.until,
          commitRecords: opts.commitRecords,
          commitBytes: opts.commitBytes,
          commitIntervalMs: opts.commitInterval,
          progress: opts.progress,
        });
      },
    );
  program
    .command('maintain')
    .description(
      "one-off maintenance of a connector's tables or of one table: compaction and snapshot expiry by default (the worker's steps, per table properties), orphan removal on request",
    )
    .argument('<target>', 'connector name, or table identifier (namespace.table)')
    .option('-c, --config <file>', 'worker file', DEFAULT_CONFIG)
    .option('--compact', 'compact small data files')
    .option('--expire', "expire snapshots per the table's history.expire.* properties")
    .option('--remove-orphans', 'remove files no metadata reaches that are older than --older-than')
    .option('--older-than <age>', 'safety age of --remove-orphans (3d, 12h, 30m, ...; default 3d)')
    .option('--dry-run', 'plan and print what each step would do; change nothing')
    .option('--json', 'print the summary as JSON')
    .addOption(
      new Option('--progress <mode>', 'a bar on a terminal, JSON log lines (stderr) otherwise')
        .choices(['auto', 'bar', 'log', 'none'])
        .default('auto'),
    )
    .action(async (target: string, opts: MaintainOptions) => {
      exitCode = await maintainCommand(target, opts, print);
    });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error && typeof error === 'object' && 'exitCode' in error && 'code' in error) {
      return (error as { exitCode: number }).exitCode; // commander already printed it (help, usage errors)
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`floe: invalid configuration\n${error.message}\n`);
      return 2;
    }
    if (error instanceof FloeError) {
      process.stderr.write(`floe: ${error.message}\n`);
      return 1;
    }
    // Anything else (a bug, an unexpected system error) is also one line; the stack on demand.
    const debug = process.env.FLOE_LOG_LEVEL === 'debug';
    const message = error instanceof Error ? serializeError(error).message : String(error);
    process.stderr.write(
      `floe: ${String(message ?? error)}${debug ? '' : ' (FLOE_LOG_LEVEL=debug prints the stack)'}\n`,
    );
    if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
