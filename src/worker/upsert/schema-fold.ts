// The schema a keyed batch writes its rows with: every record schema of the
// batch folded into the table's by name (spec: "Schema Evolution", as the
// append path's EvolvingTableWriter does), decided as the records arrive so a
// record that cannot fit is a record error for the policy, not a failed commit.
// The rows themselves are written only at commit (keyed-table-writer.ts), all
// with the folded schema: a row of an older record schema leaves the new
// columns null.
import { IncompatibleSchemaError, unionByName } from '../../iceberg/schema-evolution.ts';
import type { Schema } from '../../iceberg/types.ts';

export class SchemaFold {
  readonly #initial: Schema;
  readonly #evolve: boolean;
  #schema: Schema;
  #lastColumnId: number;
  readonly #fits = new WeakSet<Schema>();
  readonly #changes: string[] = [];

  constructor(schema: Schema, lastColumnId: number, evolve: boolean) {
    this.#initial = schema;
    this.#schema = schema;
    this.#lastColumnId = lastColumnId;
    this.#evolve = evolve;
  }

  /** The schema rows are written with; differs from the table's when `evolved`. */
  get schema(): Schema {
    return this.#schema;
  }

  get evolved(): boolean {
    return this.#schema !== this.#initial;
  }

  get changes(): readonly string[] {
    return this.#changes;
  }

  /** Folds a record schema in; throws IncompatibleSchemaError when it cannot fit (nothing changes then). */
  add(recordSchema: Schema): void {
    if (this.#fits.has(recordSchema)) return;
    const union = unionByName(this.#schema, recordSchema, this.#lastColumnId);
    if (union.changes.length > 0) {
      if (!this.#evolve) {
        throw new IncompatibleSchemaError(
          `record schema differs from the table and schema evolution is off: ${union.changes.join('; ')}`,
        );
      }
      this.#schema = union.schema;
      this.#lastColumnId = union.lastColumnId;
      this.#changes.push(...union.changes);
    }
    this.#fits.add(recordSchema);
  }
}
