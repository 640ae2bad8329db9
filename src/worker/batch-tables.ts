// The writing half of a connector batch: a decoded record goes to its table's
// writer unless that table already records its offset (another of the
// connector's tables was behind, so the partition was read again from there).
// Tables are opened (loaded, or created on first use) and their writers made
// on demand; the common case, a run of records for the table of the previous
// record, costs no promise per record.
import type { TableIdentifier } from '../catalog/catalog.ts';
import { ValidationError } from '../errors.ts';
import { currentSchema, defaultSpec } from '../iceberg/table-metadata.ts';
import type { FileIO } from '../io/file-io.ts';
import { EvolvingTableWriter } from '../sink/evolving-table-writer.ts';
import { dataDirectory } from '../sink/table-paths.ts';
import type { ConnectorBatch, TableBatch } from './commit/connector-batch.ts';
import { getOffset } from './commit/table-offsets.ts';
import type { ConnectorSettings, DecodedRecord } from './connector-settings.ts';
import type { KafkaRecord } from './kafka-types.ts';
import { partitionKey } from './kafka-types.ts';
import { routeRecord } from './record-route.ts';
import type { RunReporter, RunTally } from './run-tally.ts';
import type { TableRegistry, TableState } from './table-registry.ts';

/** Rows written between checks for partitions that reached the file size target. */
const ROLL_EVERY = 20_000;

export interface BatchTablesDeps {
  readonly settings: ConnectorSettings;
  readonly io: FileIO;
  readonly maxFileBytes?: number;
  readonly reporter: RunReporter;
}

export class BatchTables {
  readonly #registry: TableRegistry;
  readonly #deps: BatchTablesDeps;
  #sinceRoll = 0;

  constructor(registry: TableRegistry, deps: BatchTablesDeps) {
    this.#registry = registry;
    this.#deps = deps;
  }

  /** A writer for one run of records of one partition. */
  forRun(batch: ConnectorBatch, topic: string, partition: number): RunWriter {
    return new RunWriter(this, batch, topic, partition);
  }

  /** The tables among `ids` that exist, loading those not seen yet (another worker may have created them). */
  async existing(ids: readonly TableIdentifier[]): Promise<TableState[]> {
    const states: TableState[] = [];
    for (const id of ids) {
      const state = this.#registry.get(id) ?? (await this.#registry.load(id));
      if (state) states.push(state);
    }
    return states;
  }

  get deps(): BatchTablesDeps {
    return this.#deps;
  }

  open(id: TableIdentifier, decoded: DecodedRecord): Promise<TableState> {
    return this.#registry.open(id, decoded.schema);
  }

  tableBatch(batch: ConnectorBatch, state: TableState): TableBatch<EvolvingTableWriter> {
    // An append connector's batch holds EvolvingTableWriters only.
    let table = batch.tables.get(state.name) as TableBatch<EvolvingTableWriter> | undefined;
    if (table === undefined) {
      const metadata = state.metadata;
      const { io, settings, maxFileBytes } = this.#deps;
      table = {
        state,
        rows: 0,
        sources: new Set(),
        writer: new EvolvingTableWriter({
          io,
          schema: currentSchema(metadata),
          lastColumnId: metadata.lastColumnId,
          spec: defaultSpec(metadata),
          properties: metadata.properties,
          dataDirectory: dataDirectory(metadata),
          evolve: settings.schemaEvolution,
          ...(maxFileBytes === undefined ? {} : { maxFileBytes }),
        }),
      };
      batch.tables.set(state.name, table);
    }
    return table;
  }

  /** Counts a written row; every ROLL_EVERY rows, writes out files that reached their size. */
  rolled(table: TableBatch<EvolvingTableWriter>): Promise<void> | undefined {
    if (++this.#sinceRoll < ROLL_EVERY) return undefined;
    this.#sinceRoll = 0;
    return table.writer.rollFull();
  }
}

export class RunWriter {
  readonly #tables: BatchTables;
  readonly #batch: ConnectorBatch;
  readonly #topic: string;
  readonly #partition: number;
  /** The partition's `topic:partition` key, as the batch's table sources name it. */
  readonly #source: string;
  #cachedId: TableIdentifier | undefined;
  /** The table this run last named itself a source of (a Set add per record costs). */
  #sourceOf: TableBatch<EvolvingTableWriter> | undefined;
  #cached: { table: TableBatch<EvolvingTableWriter>; recorded: bigint | undefined } | undefined;

  constructor(tables: BatchTables, batch: ConnectorBatch, topic: string, partition: number) {
    this.#tables = tables;
    this.#batch = batch;
    this.#topic = topic;
    this.#partition = partition;
    this.#source = partitionKey(topic, partition);
  }

  /**
   * One record of the run: a tombstone is counted (an append-only table has
   * nothing to write), anything else decoded, routed and written. A promise
   * only when something must be awaited; throws RecordError for the policy.
   */
  take(record: KafkaRecord, run: RunTally): Promise<void> | undefined {
    if (record.value === null) {
      run.tombstones++;
      return undefined;
    }
    const direct = this.#takeDirect(record);
    if (direct !== undefined) return direct === 'written' ? undefined : direct;
    const converted = this.#tables.deps.settings.converter.convert(record);
    if (converted instanceof Promise) return converted.then((decoded) => this.#take(decoded, record, run));
    return this.#take(converted, record, run);
  }

  /**
   * The record decoded straight into its table's columns (no row object), when
   * it can be: one table, already open for this run and not recording the
   * offset, unpartitioned, a record schema it already fits, a format that can
   * (Avro). Undefined when not written so, also when the record fails (the
   * columns are as before it): the row path then decodes it again and reports
   * its error exactly as it always has.
   */
  #takeDirect(record: KafkaRecord): 'written' | Promise<void> | undefined {
    const cached = this.#cached;
    const { settings } = this.#tables.deps;
    if (cached === undefined || settings.route.kind !== 'single' || settings.converter.direct === undefined)
      return undefined;
    if (cached.recorded !== undefined && record.offset < cached.recorded) return undefined;
    const direct = settings.converter.direct(record);
    if (direct === undefined) return undefined;
    const { table } = cached;
    const schema = table.writer.directSchema(direct.schema);
    const fill = schema === undefined ? undefined : direct.fillFor(schema);
    if (fill === undefined) return undefined;
    let appended: Promise<void> | undefined;
    try {
      appended = table.writer.appendWith(fill);
    } catch (error) {
      // The record's own fault (its columns are rolled back): the row path reports it.
      // Anything else (the encoder failed) goes on as the row path's would.
      if (error instanceof ValidationError || error instanceof RangeError) return undefined;
      throw error;
    }
    if (appended !== undefined) return appended.then(() => this.#counted(table));
    return this.#counted(table) ?? 'written';
  }

  #take(decoded: DecodedRecord, record: KafkaRecord, run: RunTally): Promise<void> | undefined {
    const { settings, reporter } = this.#tables.deps;
    if (decoded.droppedFields !== undefined) reporter.droppedFields(run, decoded.droppedFields, record);
    const id = routeRecord(settings.route, decoded.row, record);
    const wrote = this.write(id, decoded, record.offset);
    if (wrote === 'already') run.already++;
    else if (wrote !== 'written') return wrote;
    return undefined;
  }

  /**
   * 'written', 'already' (the table records this offset: skipped), or a promise
   * when a table must be opened, the schema changed or the encoder is behind.
   */
  write(id: TableIdentifier, decoded: DecodedRecord, offset: bigint): 'written' | 'already' | Promise<void> {
    const cached = this.#cached;
    if (cached !== undefined && id === this.#cachedId) return this.#append(cached, decoded, offset);
    return this.#tables.open(id, decoded).then((state) => {
      const next = {
        table: this.#tables.tableBatch(this.#batch, state),
        recorded: getOffset(state.offsets, this.#topic, this.#partition),
      };
      this.#cachedId = id;
      this.#cached = next;
      const wrote = this.#append(next, decoded, offset);
      return wrote === 'written' || wrote === 'already' ? undefined : wrote;
    });
  }

  #append(
    target: { table: TableBatch<EvolvingTableWriter>; recorded: bigint | undefined },
    decoded: DecodedRecord,
    offset: bigint,
  ): 'written' | 'already' | Promise<void> {
    if (target.recorded !== undefined && offset < target.recorded) return 'already';
    const { table } = target;
    const appended = table.writer.append(decoded.row, decoded.schema);
    if (appended !== undefined) return appended.then(() => this.#counted(table));
    return this.#counted(table) ?? 'written';
  }

  #counted(table: TableBatch<EvolvingTableWriter>): Promise<void> | undefined {
    table.rows++;
    if (this.#sourceOf !== table) {
      table.sources.add(this.#source);
      this.#sourceOf = table;
    }
    return this.#tables.rolled(table);
  }
}
