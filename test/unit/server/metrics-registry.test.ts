import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FloeMetrics } from '../../../src/server/metrics-registry.ts';
import type { WorkerMetrics } from '../../../src/worker/worker-metrics.ts';

/** The value of one sample line `name{labels} value`, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('FloeMetrics', () => {
  it('exports every worker metric with its labels', async () => {
    const floe = new FloeMetrics({ version: '1.2.3', processMetrics: false });
    // The worker sees FloeMetrics through its own interface (wired in cli.ts): this line typechecks that fit.
    const metrics: WorkerMetrics = floe;
    metrics.recordsConsumed('orders', 'orders-v1', 10, 1500);
    metrics.recordsConsumed('orders', 'orders-v1', 5, 500);
    floe.recordsConsumed('orders', 'orders-v1', 0);
    floe.bytesConsumed('orders', 'orders-v1', 48);
    metrics.recordsWritten('orders', 'sales.orders', 14);
    metrics.recordsSkipped('orders', 'orders-v1', 'malformed', 1);
    metrics.recordsDeadLettered('orders', 'orders-v1', 2);
    floe.setLag('orders', 'orders-v1', 3, 42n);
    floe.setAssignedPartitions('orders', 6);
    floe.setBufferedBytes(1000);
    metrics.observeCommit('orders', 'sales.orders', 0.7, 2, 4096);
    metrics.lastCommit('orders', 'sales.orders', 1_700_000_000);
    metrics.schemaEvolution('orders', 'sales.orders');
    metrics.error('fenced-batch');
    const text = await floe.metricsText();

    expect(sample(text, 'floe_records_consumed_total{connector="orders",topic="orders-v1"}')).toBe(15);
    expect(sample(text, 'floe_bytes_consumed_total{connector="orders",topic="orders-v1"}')).toBe(2048);
    expect(sample(text, 'floe_records_written_total{connector="orders",table="sales.orders"}')).toBe(14);
    expect(
      sample(text, 'floe_records_skipped_total{connector="orders",topic="orders-v1",reason="malformed"}'),
    ).toBe(1);
    expect(sample(text, 'floe_records_dead_lettered_total{connector="orders",topic="orders-v1"}')).toBe(2);
    expect(sample(text, 'floe_consumer_lag{connector="orders",topic="orders-v1",partition="3"}')).toBe(42);
    expect(sample(text, 'floe_assigned_partitions{connector="orders"}')).toBe(6);
    expect(sample(text, 'floe_buffered_bytes')).toBe(1000);
    expect(sample(text, 'floe_commit_duration_seconds_count{connector="orders",table="sales.orders"}')).toBe(
      1,
    );
    expect(
      sample(text, 'floe_commit_duration_seconds_bucket{le="1",connector="orders",table="sales.orders"}'),
    ).toBe(1);
    expect(
      sample(text, 'floe_commit_duration_seconds_bucket{le="0.5",connector="orders",table="sales.orders"}'),
    ).toBe(0);
    expect(sample(text, 'floe_commit_data_files_total{connector="orders",table="sales.orders"}')).toBe(2);
    expect(sample(text, 'floe_commit_data_bytes_total{connector="orders",table="sales.orders"}')).toBe(4096);
    expect(sample(text, 'floe_last_commit_timestamp_seconds{connector="orders",table="sales.orders"}')).toBe(
      1_700_000_000,
    );
    expect(sample(text, 'floe_schema_evolutions_total{connector="orders",table="sales.orders"}')).toBe(1);
    expect(sample(text, 'floe_errors_total{kind="fenced-batch"}')).toBe(1);
    expect(sample(text, `floe_build_info{version="1.2.3",node="${process.versions.node}"}`)).toBe(1);
  });

  it('forgets the lag of a revoked partition', async () => {
    const metrics = new FloeMetrics({ processMetrics: false });
    metrics.setLag('c', 't', 0, 5);
    metrics.setLag('c', 't', 1, 7);
    metrics.clearLag('c', 't', 0);
    const text = await metrics.metricsText();
    expect(sample(text, 'floe_consumer_lag{connector="c",topic="t",partition="0"}')).toBeUndefined();
    expect(sample(text, 'floe_consumer_lag{connector="c",topic="t",partition="1"}')).toBe(7);
  });

  it('keeps instances apart and prefixes process metrics with floe_', async () => {
    const withProcess = new FloeMetrics();
    const other = new FloeMetrics({ processMetrics: false });
    withProcess.error('storage');
    const text = await withProcess.metricsText();
    expect(text).toMatch(/^floe_process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^floe_nodejs_heap_size_used_bytes \d+/m);
    expect(text).not.toMatch(/^process_/m);
    const otherText = await other.metricsText();
    expect(otherText).not.toContain('floe_process_');
    expect(sample(otherText, 'floe_errors_total{kind="storage"}')).toBeUndefined();
    expect(withProcess.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});

describe('FloeMetrics: table maintenance', () => {
  it('counts runs and seconds per step, bytes compaction rewrote and files expiry deleted per table', async () => {
    const floe = new FloeMetrics({ processMetrics: false });
    const expired = {
      snapshotsRemoved: 4,
      contentFilesDeleted: 12,
      manifestsDeleted: 3,
      manifestListsDeleted: 4,
      statisticsFilesDeleted: 0,
      snapshots: 2,
    };
    floe.maintenanceRun({
      table: 'sales.orders',
      step: 'expire-snapshots',
      seconds: 0.5,
      ok: true,
      figures: expired,
    });
    floe.maintenanceRun({
      table: 'sales.orders',
      step: 'expire-snapshots',
      seconds: 0.25,
      ok: false,
      figures: {},
    });
    const compacted = { groups: 1, filesRewritten: 9, bytesRewritten: 90_000, bytesWritten: 70_000 };
    floe.maintenanceRun({ table: 'sales.orders', step: 'compact', seconds: 2, ok: true, figures: compacted });
    floe.maintenanceRun({ table: 'sales.orders', step: 'compact', seconds: 1, ok: true, figures: compacted });
    floe.maintenanceRun({
      table: 'sales.returns',
      step: 'compact',
      seconds: 1,
      ok: true,
      figures: { bytesRewritten: 5 },
    });
    const text = await floe.metricsText();
    expect(sample(text, 'floe_maintenance_runs_total{step="expire-snapshots",outcome="ok"}')).toBe(1);
    expect(sample(text, 'floe_maintenance_runs_total{step="expire-snapshots",outcome="failed"}')).toBe(1);
    expect(sample(text, 'floe_maintenance_runs_total{step="compact",outcome="ok"}')).toBe(3);
    expect(sample(text, 'floe_maintenance_seconds_total{step="expire-snapshots"}')).toBe(0.75);
    expect(sample(text, 'floe_maintenance_bytes_rewritten_total{table="sales.orders"}')).toBe(180_000);
    expect(sample(text, 'floe_maintenance_bytes_rewritten_total{table="sales.returns"}')).toBe(5);
    expect(sample(text, 'floe_maintenance_files_deleted_total{table="sales.orders",kind="content"}')).toBe(
      12,
    );
    expect(sample(text, 'floe_maintenance_files_deleted_total{table="sales.orders",kind="manifest"}')).toBe(
      3,
    );
    expect(
      sample(text, 'floe_maintenance_files_deleted_total{table="sales.orders",kind="manifest-list"}'),
    ).toBe(4);
    expect(sample(text, 'floe_maintenance_files_deleted_total{table="sales.orders",kind="statistics"}')).toBe(
      0,
    );
    // A run's figures no longer set the size gauges: tableHealth does, from the loaded table.
    expect(sample(text, 'floe_table_snapshots{table="sales.orders"}')).toBeUndefined();
  });

  it('sets the table size gauges from the health figures, leaving out what is unknown', async () => {
    const floe = new FloeMetrics({ processMetrics: false });
    floe.tableHealth('sales.orders', {
      snapshots: 2,
      manifests: 7,
      dataFiles: 31,
      deleteFiles: 1,
      filesBytes: 32_000,
      averageFileBytes: 1_000,
      metadataBytes: 4_567,
    });
    floe.tableHealth('sales.new', { snapshots: 0, manifests: 0 });
    const text = await floe.metricsText();
    expect(sample(text, 'floe_table_snapshots{table="sales.orders"}')).toBe(2);
    expect(sample(text, 'floe_table_manifests{table="sales.orders"}')).toBe(7);
    expect(sample(text, 'floe_table_data_files{table="sales.orders"}')).toBe(31);
    expect(sample(text, 'floe_table_delete_files{table="sales.orders"}')).toBe(1);
    expect(sample(text, 'floe_table_files_bytes{table="sales.orders"}')).toBe(32_000);
    expect(sample(text, 'floe_table_average_file_bytes{table="sales.orders"}')).toBe(1_000);
    expect(sample(text, 'floe_table_metadata_bytes{table="sales.orders"}')).toBe(4_567);
    expect(sample(text, 'floe_table_snapshots{table="sales.new"}')).toBe(0);
    expect(sample(text, 'floe_table_data_files{table="sales.new"}')).toBeUndefined();
  });

  it('says whether this worker maintains a table and counts the due runs it left to another worker', async () => {
    const floe = new FloeMetrics({ processMetrics: false });
    floe.maintenanceDecision('sales.orders', false);
    floe.maintenanceDecision('sales.orders', false);
    floe.maintenanceDecision('sales.returns', true);
    let text = await floe.metricsText();
    expect(sample(text, 'floe_table_maintainer{table="sales.orders"}')).toBe(0);
    expect(sample(text, 'floe_table_maintainer{table="sales.returns"}')).toBe(1);
    expect(sample(text, 'floe_maintenance_skipped_total{table="sales.orders"}')).toBe(2);
    expect(sample(text, 'floe_maintenance_skipped_total{table="sales.returns"}')).toBeUndefined();
    floe.maintenanceDecision('sales.orders', true); // took over
    text = await floe.metricsText();
    expect(sample(text, 'floe_table_maintainer{table="sales.orders"}')).toBe(1);
    expect(sample(text, 'floe_maintenance_skipped_total{table="sales.orders"}')).toBe(2);
  });
});

describe('docs/operations.md, "Metrics"', () => {
  const doc = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Metrics'), doc.indexOf('## Health and readiness'));
  /** Every metric family /metrics lists (its `# TYPE` lines). */
  async function exported(): Promise<Set<string>> {
    const text = await new FloeMetrics({ version: '1.2.3' }).metricsText();
    return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
  }

  it("names every process metric as prom-client's default metrics export it, and no other", async () => {
    const paragraph = section.slice(
      section.indexOf('Process metrics of the Node.js runtime'),
      section.indexOf('Alerts worth having'),
    );
    const named = new Set([...paragraph.matchAll(/`(floe_[a-z0-9_]+)/g)].map((m) => m[1]!));
    const processMetrics = [...(await exported())].filter((name) => /^floe_(process|nodejs)_/.test(name));
    expect([...named].sort()).toEqual(processMetrics.sort());
    expect(named).toContain('floe_nodejs_eventloop_lag_p99_seconds');
  });

  it("lists floe's own metrics in its table, each with its type", async () => {
    const rows = [...section.matchAll(/^\| `(floe_[a-z0-9_]+)` \| (\w+) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    const text = await new FloeMetrics({ version: '1.2.3', processMetrics: false }).metricsText();
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(rows.sort()).toEqual(types.sort());
  });
});
