// `floe backfill <connector>`: reads the connector's topics from --from to
// --until once, with large files and rare commits, then exits. Exit 0 when
// complete, 1 on an error or a record under the fail policy, 130 when a signal
// interrupted it (what was read is committed; the same command resumes).
import type { Catalog } from '../catalog/catalog.ts';
import { ConfigError } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import { closeSharedParquetEncoderPool, sharedParquetEncoderPool } from '../parquet/parquet-encoder-pool.ts';
import { Backfill } from '../worker/backfill/backfill.ts';
import { parseBackfillFrom, parseBackfillUntil } from '../worker/backfill/backfill-bounds.ts';
import {
  LogProgressReporter,
  type ProgressReporter,
  silentProgress,
} from '../worker/backfill/backfill-progress.ts';
import { KafkaAdminClient } from '../worker/kafka/admin-client.ts';
import { KafkaAssignedConsumer } from '../worker/kafka/assigned-consumer.ts';
import { KafkaProducerClient } from '../worker/kafka/producer-client.ts';
import { noMetrics } from '../worker/worker-metrics.ts';
import { buildConnectorRuntime } from './connector-runtime-builder.ts';
import { loadConfig } from './load-config.ts';
import { ProgressBars } from './progress-bars.ts';
import { buildCatalog, buildFileIO, buildSchemaRegistry, kafkaClientConfig } from './runtime-factory.ts';

export type ProgressMode = 'auto' | 'bar' | 'log' | 'none';

export interface BackfillCommandOptions {
  readonly config: string;
  readonly connector: string;
  readonly from?: string;
  readonly until?: string;
  /** Commit after this many records read (default 5,000,000). */
  readonly commitRecords?: number;
  /** Commit after this many Kafka bytes read (default 1 GiB). */
  readonly commitBytes?: number;
  /** Commit at least this often (default 10 minutes), so an interruption loses little work. */
  readonly commitIntervalMs?: number;
  readonly progress?: ProgressMode;
}

export const BACKFILL_DEFAULTS = {
  commitRecords: 5_000_000,
  commitBytes: 1024 * 1024 * 1024,
  commitIntervalMs: 10 * 60_000,
} as const;

export async function backfillCommand(options: BackfillCommandOptions, log?: Logger): Promise<number> {
  const from = parseBackfillFrom(options.from ?? 'earliest');
  const until = parseBackfillUntil(options.until ?? 'now');
  const { worker: config, connectors } = loadConfig(options.config);
  const connector = connectors.find((c) => c.name === options.connector);
  if (connector === undefined) {
    throw new ConfigError(
      `no connector named '${options.connector}' in ${config.connectorsDir} (known: ${connectors.map((c) => c.name).join(', ') || 'none'})`,
      { connector: options.connector },
    );
  }
  if (connector.mode !== undefined && connector.mode !== 'append') {
    throw new ConfigError(
      `${connector.file}: floe backfill does not run mode ${connector.mode} yet (append only); run the connector with floe run, whose first start reads the topic from the group offset or auto.offset.reset`,
      { file: connector.file, key: 'mode', connector: connector.name },
    );
  }
  const mode = options.progress ?? 'auto';
  const bars = mode === 'bar' || (mode === 'auto' && process.stdout.isTTY === true);
  // Bars own stdout on a terminal; log lines go to stderr then.
  const logger =
    log ?? createLogger({ level: config.log.level, ...(bars ? { destination: process.stderr } : {}) });
  const progress: ProgressReporter = bars
    ? new ProgressBars(process.stdout)
    : mode === 'none'
      ? silentProgress
      : new LogProgressReporter(logger);

  const io = buildFileIO(config, logger);
  const kafka = kafkaClientConfig(config);
  const admin = KafkaAdminClient.create(kafka);
  let catalog: Catalog | undefined;
  let producer: KafkaProducerClient | undefined;
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      logger.warn(`second ${signal}: exiting without committing`);
      process.exit(130);
    }
    logger.info(`${signal}: stopping the backfill after committing what was read`);
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    sharedParquetEncoderPool().prestart(); // overlaps the catalog and the Kafka connect
    catalog = await buildCatalog(config, io, logger);
    if (connector.errors.policy === 'dlq') {
      producer = KafkaProducerClient.create(kafka, { logger });
      await producer.connect();
    }
    const connectorLog = logger.child({ connector: connector.name, mode: 'backfill' });
    const runtime = buildConnectorRuntime({
      connector,
      config,
      registry: buildSchemaRegistry(config),
      catalog,
      io,
      dlqSender: producer,
      log: connectorLog,
      metrics: noMetrics,
      commit: {
        intervalMs: options.commitIntervalMs ?? BACKFILL_DEFAULTS.commitIntervalMs,
        maxRecords: options.commitRecords ?? BACKFILL_DEFAULTS.commitRecords,
        maxBytes: options.commitBytes ?? BACKFILL_DEFAULTS.commitBytes,
        idleMs: 0, // the backfill commits when it reaches its end
      },
      summary: { 'floe.backfill': 'true' },
    });
    const backfill = new Backfill({
      connector: runtime,
      admin,
      consumer: KafkaAssignedConsumer.create(kafka, { logger }),
      from,
      until,
      maxBufferedBytes: config.memory.maxBufferedBytes,
      log: connectorLog,
      progress,
    });
    const result = await backfill.run(stop.signal);
    return result.outcome === 'interrupted' ? 130 : 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await admin.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await catalog?.close().catch(() => undefined);
    await closeSharedParquetEncoderPool();
  }
}
