// `floe run`: the worker. Serves /healthz, /readyz and /metrics, consumes until
// SIGTERM/SIGINT (commit, leave the group unless a static member, exit 0; a
// second signal exits at once, 130; a stop still unfinished after
// commitTimeoutMs exits 1; a signal during start-up, before anything was read,
// exits 0 at once) or until a record hits the fail policy (exit 1). /status
// serves the worker's state (worker/worker-state.ts).
import type { Catalog } from '../catalog/catalog.ts';
import { redactConfig } from '../config/redact-config.ts';
import { TimedFileIO } from '../io/timed-file-io.ts';
import { createLogger, type Logger } from '../log.ts';
import { Compaction } from '../maintenance/compaction-step.ts';
import { SnapshotExpiry } from '../maintenance/expire-snapshots.ts';
import { MaintenanceScheduler } from '../maintenance/maintenance-scheduler.ts';
import { TableHealthReader } from '../maintenance/table-health.ts';
import { closeSharedParquetEncoderPool, sharedParquetEncoderPool } from '../parquet/parquet-encoder-pool.ts';
import { HttpServer } from '../server/http-server.ts';
import { FloeMetrics } from '../server/metrics-registry.ts';
import { SettableWorkerStatus } from '../server/worker-status.ts';
import { TableLocks } from '../sink/table-locks.ts';
import type { ConnectorRuntime } from '../worker/connector-runtime.ts';
import { KafkaConsumerClient } from '../worker/kafka/consumer-client.ts';
import { KafkaProducerClient } from '../worker/kafka/producer-client.ts';
import { KafkaConnectStopped } from '../worker/kafka/stoppable-connect.ts';
import { Worker } from '../worker/worker.ts';
import { WorkerState } from '../worker/worker-state.ts';
import { buildConnectorRuntime } from './connector-runtime-builder.ts';
import { floeVersion } from './floe-version.ts';
import { groupMaintainer } from './group-maintainer.ts';
import { loadConfig } from './load-config.ts';
import { buildCatalog, buildFileIO, buildSchemaRegistry, kafkaClientConfig } from './runtime-factory.ts';

export interface RunOptions {
  readonly config: string;
  /** Overrides server.port (0 picks a free port). */
  readonly port?: number;
  /** Stops the worker as SIGTERM does (tests). */
  readonly signal?: AbortSignal;
}

export async function runCommand(options: RunOptions, log?: Logger): Promise<number> {
  const { worker: config, connectors } = loadConfig(options.config);
  const logger = log ?? createLogger({ level: config.log.level });
  logger.info('starting floe', { config: redactConfig(config), connectors: connectors.map((c) => c.name) });

  const metrics = new FloeMetrics({ version: floeVersion() });
  const state = new WorkerState(connectors.map((c) => c.name));
  const status = new SettableWorkerStatus();
  status.setDetails(() => state.describe());
  const server = await HttpServer.start({
    host: config.server.host,
    port: options.port ?? config.server.port,
    status,
    metrics,
    logger,
  });
  const io = new TimedFileIO(buildFileIO(config, logger));
  let catalog: Catalog | undefined;
  let producer: KafkaProducerClient | undefined;
  let maintenance: MaintenanceScheduler | undefined;
  const stop = new AbortController();
  let signals = 0;
  let stopDeadline: NodeJS.Timeout | undefined;
  let finished = false;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    status.setReady(false);
    state.stopping();
    if (signals > 1) {
      logger.warn(`second ${signal}: exiting without committing`);
      process.exit(130);
    }
    logger.info(`${signal}: stopping after committing open batches`);
    stop.abort();
    // The stop is bounded: a last commit that hangs (a catalog or store that stopped
    // answering) would otherwise run into the pod's SIGKILL with no word why. Exiting
    // without it is safe: its records are read again by the next owner of their
    // partitions (docs/exactly-once.md). Only while the worker still commits.
    if (!finished)
      stopDeadline = setTimeout(() => {
        logger.error(
          `the stop did not finish within commitTimeoutMs (${config.commitTimeoutMs} ms): exiting without the last commit; its records are read again on restart`,
        );
        process.exit(1);
      }, config.commitTimeoutMs).unref();
    // A compaction or expiry under way gives up at its next check while the worker
    // makes its last commit, rather than after it (the exit awaits both).
    void maintenance?.stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const onAbort = () => onSignal('SIGTERM');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    sharedParquetEncoderPool().prestart(); // overlaps the catalog, Kafka and the first assignment
    catalog = await buildCatalog(config, io, logger);
    const registry = buildSchemaRegistry(config);
    const kafka = kafkaClientConfig(config);
    if (connectors.some((c) => c.errors.policy === 'dlq')) {
      producer = KafkaProducerClient.create(kafka, { logger, stop: stop.signal });
      await producer.connect();
    }
    const locks = new TableLocks();
    const tableCatalog = catalog;
    const health = new TableHealthReader(io);
    let maintainer: ReturnType<typeof groupMaintainer> | undefined;
    maintenance = new MaintenanceScheduler({
      steps: [
        // Compaction first: the snapshots it replaces files in then age out through expiry.
        new Compaction(catalog, io, { locks, log: logger.child({ maintenance: 'compact' }) }),
        new SnapshotExpiry(catalog, io, { locks, log: logger.child({ maintenance: 'expire-snapshots' }) }),
      ],
      log: logger,
      onRun: (run) => metrics.maintenanceRun(run),
      // One worker of the group maintains a table: the one holding its first recorded partition.
      load: (id) => tableCatalog.loadTable(id),
      maintainer: (metadata) => maintainer?.(metadata) ?? { kind: 'maintain', reason: 'no-offsets' },
      onDecision: (table, decision) => metrics.maintenanceDecision(table, decision.kind === 'maintain'),
      health: (table) => health.read(table),
      onHealth: (table, figures) => metrics.tableHealth(table, figures),
    });
    const runtimes = connectors.map((connector) =>
      buildConnectorRuntime({
        connector,
        config,
        registry,
        catalog: catalog!,
        io,
        dlqSender: producer,
        log: logger.child({ connector: connector.name }),
        metrics,
        maintenance: { locks, scheduler: maintenance! },
      }),
    );
    maintainer = groupMaintainer(runtimes);
    maintenance.start();
    const worker = new Worker({
      connectors: runtimes,
      // Commits run between polls and inside onRevoked: librdkafka must wait for them.
      createConsumer: (handler) =>
        KafkaConsumerClient.create(kafka, handler, {
          logger,
          rebalanceTimeoutMs: Math.max(300_000, 2 * config.commitTimeoutMs),
          stop: stop.signal,
        }),
      log: logger,
      metrics,
      maxBufferedBytes: config.memory.maxBufferedBytes,
      state,
      // A diagnostics switch (docs/operations.md): 0 waits for every commit before reading on.
      pipelineCommits: process.env.FLOE_PIPELINE_COMMITS !== '0',
      onReady: (ready) => status.setReady(ready && !stop.signal.aborted),
      waitCounters: [
        { stage: 'encode-queue', seconds: () => sharedParquetEncoderPool().waitSeconds },
        { stage: 'upload', seconds: () => io.writeSeconds },
      ],
    });
    try {
      return await worker.run(stop.signal);
    } finally {
      finished = true;
      clearTimeout(stopDeadline);
      await closeRuntimes(runtimes, logger);
    }
  } catch (error) {
    // The dead-letter producer's connect, cut short by a stop: nothing was read yet.
    if (!(error instanceof KafkaConnectStopped)) throw error;
    logger.info('stopped during start-up: nothing was read, nothing to commit');
    return 0;
  } finally {
    finished = true;
    clearTimeout(stopDeadline);
    options.signal?.removeEventListener('abort', onAbort);
    await maintenance?.stop();
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await producer?.disconnect().catch(() => undefined);
    await catalog?.close().catch(() => undefined);
    await closeSharedParquetEncoderPool();
    await server.close();
  }
}

/**
 * Releases what each connector holds outside the heap (a keyed connector's key
 * index store) once the worker stopped; a failure is logged, never thrown, so
 * the rest of the shutdown and the exit code stand.
 */
async function closeRuntimes(runtimes: readonly ConnectorRuntime[], logger: Logger): Promise<void> {
  for (const runtime of runtimes) {
    try {
      await runtime.close();
    } catch (error) {
      logger.error('closing the connector failed', { err: error, connector: runtime.settings.name });
    }
  }
}
