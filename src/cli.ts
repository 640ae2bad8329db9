// floe's command line (commander) and composition root: `floe run`,
// `floe validate`, `floe tables`. Config errors print their message (file, line,
// key) without a stack trace and exit 2.
import { Command, InvalidArgumentError } from 'commander';
import { runCommand } from './cli/run-command.ts';
import { tablesCommand } from './cli/tables-command.ts';
import { validateCommand } from './cli/validate-command.ts';
import { ConfigError, FloeError } from './errors.ts';

const DEFAULT_CONFIG = process.env.FLOE_CONFIG ?? 'floe.yaml';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a TCP port, 0-65535');
  return n;
}

export async function main(argv: readonly string[]): Promise<number> {
  const print = (line: string) => process.stdout.write(`${line}\n`);
  let exitCode = 0;
  const program = new Command('floe')
    .description('Kafka-protocol topics to Apache Iceberg tables, exactly once')
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
    throw error;
  }
}
