// The invariants, checked after every step that changed a table and at the end
// (docs/exactly-once.md, "Invariants"): every record in its table at most once
// (at the end: exactly once), never in another table; recorded offsets only move
// forward along main; no gap below a table's offsets unless retention deleted
// the records and a commit says so; offsets never beyond the log; field ids never
// reused; every metadata file valid; at the end, every table recorded every
// partition up to the log's last record. A keyed seed's table must instead equal
// the replay of its changes (keyed-invariants.ts).
import type { TableIdentifier } from '../../src/catalog/catalog.ts';
import { committedOffsets } from '../../src/worker/commit/table-offsets.ts';
import { KeyedInvariants } from './keyed-invariants.ts';
import { KeyedTableReader } from './keyed-table-reader.ts';
import { fieldIdViolations, metadataViolations } from './metadata-invariants.ts';
import type { Scenario } from './scenario.ts';
import type { SecondEngine } from './second-engine.ts';
import type { SimWorld } from './sim-world.ts';
import { lossRanges, type Offsets, parseOffsets, summaryOffsets } from './summary-offsets.ts';
import type { TableReader, TableView } from './table-reader.ts';
import type { Violation } from './violation.ts';

const identifier = (name: string): TableIdentifier => {
  const parts = name.split('.');
  return { namespace: parts.slice(0, -1), name: parts.at(-1)! };
};

export class Invariants {
  readonly #world: SimWorld;
  readonly #scenario: Scenario;
  readonly #reader: TableReader;
  readonly #engine: SecondEngine | undefined;
  /** Per table, the head of main last seen (main must never leave it behind). */
  readonly #heads = new Map<string, bigint>();
  readonly #checkedLogs = new Set<string>();
  /** Per table, the offsets floe read back at the last check. */
  readonly #readOffsets = new Map<string, Offsets>();
  /** Per table, the highest sequence number already written to the event log. */
  readonly #logged = new Map<string, number>();

  /** A keyed seed's row invariant (keyed-invariants.ts); undefined for an append seed. */
  readonly #keyed: KeyedInvariants | undefined;

  constructor(world: SimWorld, scenario: Scenario, reader: TableReader, engine: SecondEngine | undefined) {
    this.#world = world;
    this.#scenario = scenario;
    this.#reader = reader;
    this.#engine = engine;
    this.#keyed = scenario.keyed
      ? new KeyedInvariants(scenario, world.kafka, new KeyedTableReader(reader.io))
      : undefined;
  }

  async check(final: boolean): Promise<Violation[]> {
    const out: Violation[] = [];
    const tables = new Set(this.#scenario.routes.values());
    for (const name of tables) {
      let view: TableView | undefined;
      try {
        view = await this.#reader.read(identifier(name));
      } catch (error) {
        out.push({ invariant: 'readable', detail: `${name}: ${(error as Error).message}` });
        continue;
      }
      if (view === undefined) {
        const routed = this.#keyed
          ? this.#keyed.mustExist(name)
          : this.#world.kafka.produced.some((r) => r.table === name && r.offset >= this.#low(r));
        if (final && routed)
          out.push({
            invariant: 'complete',
            detail: `${name} was never created, but records were routed to it`,
          });
        continue;
      }
      out.push(...metadataViolations(name, view.metadata), ...fieldIdViolations(name, view.metadata));
      out.push(...(await this.#metadataLog(view)), ...this.#history(view));
      out.push(...(this.#keyed ? await this.#keyedRows(view, this.#keyed, final) : this.#rows(view, final)));
      out.push(...this.#readBack(view));
    }
    return out;
  }

  /** The offsets floe read back at the last check, summed: they grow while workers commit (the drain's progress). */
  progress(): bigint {
    let sum = 0n;
    for (const offsets of this.#readOffsets.values()) for (const offset of offsets.values()) sum += offset;
    return sum;
  }

  /** Every file the table's metadata reaches exists (snapshot expiry deletes only what nothing reaches). */
  async files(name?: string): Promise<Violation[]> {
    const out: Violation[] = [];
    for (const table of name === undefined ? new Set(this.#scenario.routes.values()) : [name]) {
      for (const path of await this.#reader.missing(identifier(table)))
        out.push({ invariant: 'files-present', detail: `${table}: ${path} is reached but gone` });
    }
    return out;
  }

  #low(r: { topic: string; partition: number }): bigint {
    return this.#world.kafka.low(r.topic, r.partition);
  }

  /** Every metadata file the log names still parses (checked once per file). */
  async #metadataLog(view: TableView): Promise<Violation[]> {
    const out: Violation[] = [];
    for (const entry of view.metadata.metadataLog) {
      if (this.#checkedLogs.has(entry.metadataFile)) continue;
      this.#checkedLogs.add(entry.metadataFile);
      await this.#reader.metadataAt(entry.metadataFile).catch((error: unknown) =>
        out.push({
          invariant: 'metadata-valid',
          detail: `${view.name}: metadata-log file ${entry.metadataFile}: ${(error as Error).message}`,
        }),
      );
    }
    return out;
  }

  /** main only moves forward, and along it the connector's offsets never decrease or vanish. */
  #history(view: TableView): Violation[] {
    const out: Violation[] = [];
    const previous = this.#heads.get(view.name);
    const head = view.chain.at(-1);
    // (a previous head that snapshot expiry removed since cannot be looked for)
    const exists = view.metadata.snapshots.some((s) => s.snapshotId === previous);
    if (previous !== undefined && exists && !view.chain.some((s) => s.snapshotId === previous))
      out.push({
        invariant: 'main-moves-forward',
        detail: `${view.name}: main left snapshot ${previous} behind`,
      });
    if (head) this.#heads.set(view.name, head.snapshotId);
    const key = `floe.offsets.${this.#scenario.connector}`;
    const seen = this.#logged.get(view.name) ?? 0;
    for (const snapshot of view.chain) {
      if (snapshot.sequenceNumber <= seen) continue;
      const s = snapshot.summary;
      this.#world.log.add(
        `  ${view.name} seq ${snapshot.sequenceNumber} ${s.operation}${s['engine-id'] ? ' (engine)' : ''} +${s['added-records'] ?? 0} rows ${s[key] ?? ''}${s[`floe.retention-loss.${this.#scenario.connector}`] ? ` loss ${s[`floe.retention-loss.${this.#scenario.connector}`]}` : ''}`,
      );
    }
    this.#logged.set(view.name, Math.max(seen, view.chain.at(-1)?.sequenceNumber ?? 0));
    let before: Offsets | undefined;
    for (const snapshot of view.chain) {
      const now = summaryOffsets(snapshot, key);
      if (now === undefined) continue;
      for (const [tp, offset] of before ?? []) {
        const after = now.get(tp);
        if (after === undefined || after < offset)
          out.push({
            invariant: 'offsets-monotone',
            detail: `${view.name}: ${tp} went from ${offset} to ${after ?? 'nothing'} in snapshot ${snapshot.snapshotId} (${snapshot.summary.operation})`,
          });
      }
      before = now;
    }
    return out;
  }

  /**
   * What floe reads back as the table's offsets (table-offsets.ts: main's
   * ancestry, else the table property once expiry cut the history) never
   * decreases from one check to the next, whoever expired what.
   */
  #readBack(view: TableView): Violation[] {
    const out: Violation[] = [];
    const now = new Map<string, bigint>();
    for (const [topic, partitions] of committedOffsets(view.metadata, this.#scenario.connector))
      for (const [partition, offset] of partitions) now.set(`${topic}:${partition}`, offset);
    for (const [tp, offset] of this.#readOffsets.get(view.name) ?? []) {
      const after = now.get(tp);
      if (after === undefined || after < offset)
        out.push({
          invariant: 'offsets-monotone',
          detail: `${view.name}: floe reads ${tp} back as ${after ?? 'nothing'}, after ${offset} before (${view.metadata.snapshots.length} snapshots kept)`,
        });
    }
    this.#readOffsets.set(view.name, now);
    return out;
  }

  /** No duplicates or strangers; nothing missing below the recorded offsets; at the end, nothing missing at all. */
  #rows(view: TableView, final: boolean): Violation[] {
    const out: Violation[] = [];
    const { kafka } = this.#world;
    const connector = this.#scenario.connector;
    let offsets: Offsets = new Map();
    const losses: Array<[string, bigint, bigint]> = [];
    for (const snapshot of view.chain) {
      offsets = summaryOffsets(snapshot, `floe.offsets.${connector}`) ?? offsets;
      losses.push(...lossRanges(snapshot, `floe.retention-loss.${connector}`));
    }
    // Where the table first recorded each partition: records below it that retention deleted
    // were gone before any worker had a position in the table to notice the loss from.
    const first = new Map<string, bigint>();
    for (const snapshot of view.chain) {
      for (const [tp, o] of summaryOffsets(snapshot, `floe.offsets.${connector}`) ?? [])
        if (!first.has(tp)) first.set(tp, o);
    }
    const expected = new Map<string, { tp: string; offset: bigint }>();
    for (const r of kafka.produced) {
      if (r.table === view.name && r.id !== undefined)
        expected.set(r.id, { tp: `${r.topic}:${r.partition}`, offset: r.offset });
    }
    const engineRows = this.#engine?.rows.get(view.name) ?? new Set<string>();
    for (const [id, count] of view.ids) {
      if (count > 1)
        out.push({
          invariant: 'exactly-once',
          detail: `${view.name}: ${id} is there ${count} times (e.g. ${view.fileOf.get(id)})`,
        });
      if (!expected.has(id) && !engineRows.has(id))
        out.push({
          invariant: 'exactly-once',
          detail: `${view.name}: row ${id} does not belong in this table`,
        });
    }
    for (const id of engineRows) {
      if (!view.ids.has(id))
        out.push({ invariant: 'exactly-once', detail: `${view.name}: the engine's row ${id} is gone` });
    }
    for (const [id, { tp, offset }] of expected) {
      if (view.ids.has(id)) continue;
      const recorded = offsets.get(tp);
      const below = recorded !== undefined && offset < recorded;
      if (!below && !final) continue;
      const [topic, partition] = [
        tp.slice(0, tp.lastIndexOf(':')),
        Number(tp.slice(tp.lastIndexOf(':') + 1)),
      ];
      const deleted = offset < kafka.low(topic, partition);
      const written = losses.some(([t, from, to]) => t === tp && offset >= from && offset < to);
      // Retention may delete records before anyone read them: a loss, but one a commit must write down.
      const beforeFirst = offset < (first.get(tp) ?? 0n);
      if (deleted && (written || !below || beforeFirst)) continue;
      const why = deleted ? ' (deleted by retention, and no commit recorded the loss)' : '';
      out.push(
        below
          ? {
              invariant: 'no-silent-gap',
              detail: `${view.name}: ${id} (${tp}@${offset}) is missing below the recorded offset ${recorded}${why}`,
            }
          : {
              invariant: 'complete',
              detail: `${view.name}: ${id} (${tp}@${offset}) never arrived (recorded ${recorded ?? 'nothing'})${why}`,
            },
      );
    }
    out.push(...this.#inLog(view, offsets));
    if (final) out.push(...this.#caughtUp(view, offsets));
    return out;
  }

  /** A keyed table equals the replay of the changes below its offsets (main's newest, else the table property). */
  async #keyedRows(view: TableView, keyed: KeyedInvariants, final: boolean): Promise<Violation[]> {
    const key = `floe.offsets.${this.#scenario.connector}`;
    let offsets: Offsets | undefined;
    for (const snapshot of view.chain) offsets = summaryOffsets(snapshot, key) ?? offsets;
    offsets ??= parseOffsets(view.metadata.properties[key]) ?? new Map();
    const engineRows = this.#engine?.rows.get(view.name) ?? new Set<string>();
    // The keys of a partition the table records below its log's end are left to the lag
    // check: one more run catches the table up (runner.ts) before they are compared.
    const lag = final ? this.#caughtUp(view, offsets) : [];
    const lagging = new Set(lag.map((v) => v.tp));
    const out = await keyed.check(view.name, view.metadata, offsets, engineRows, final ? lagging : undefined);
    out.push(...this.#inLog(view, offsets), ...lag.map(({ tp: _, ...v }) => v));
    return out;
  }

  /** No recorded offset lies beyond its log's end. */
  #inLog(view: TableView, offsets: Offsets): Violation[] {
    const { kafka } = this.#world;
    const out: Violation[] = [];
    for (const [tp, recorded] of offsets) {
      const [topic, partition] = [
        tp.slice(0, tp.lastIndexOf(':')),
        Number(tp.slice(tp.lastIndexOf(':') + 1)),
      ];
      if (!kafka.topics().includes(topic) || recorded > kafka.high(topic, partition))
        out.push({
          invariant: 'offsets-in-log',
          detail: `${view.name}: ${tp} recorded ${recorded}, beyond the log`,
        });
    }
    return out;
  }

  /** At the end every partition a table records is recorded up to its last record (a table that never recorded one did not exist while it was read). */
  #caughtUp(view: TableView, offsets: Offsets): Array<Violation & { tp: string }> {
    const out: Array<Violation & { tp: string }> = [];
    // Records retention deleted at the log's tail cannot move the offsets (nothing is left to read).
    const last = new Map<string, bigint>();
    for (const r of this.#world.kafka.produced) {
      if (r.offset >= this.#low(r)) last.set(`${r.topic}:${r.partition}`, r.offset + 1n);
    }
    for (const [tp, end] of last) {
      const recorded = offsets.get(tp);
      if (recorded !== undefined && recorded < end)
        out.push({
          tp,
          invariant: 'caught-up',
          detail: `${view.name}: ${tp} recorded ${recorded}, the log's last record ends at ${end}`,
        });
    }
    return out;
  }
}
