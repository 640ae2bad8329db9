// Every statement the SQL catalog runs on the shared tables, scoped to one
// catalog_name. Namespaces are dotted strings here (see sql-namespace.ts).
// Prefix matches use substr() rather than LIKE: SQLite's LIKE ignores case.
import { NAMESPACE_EXISTS_PROPERTY, TABLE_RECORD_TYPE } from './sql-catalog-schema.ts';
import type { SqlDriver, SqlExecutor, SqlResult } from './sql-driver.ts';

export interface TableRow {
  readonly metadataLocation: string | null;
  readonly previousMetadataLocation: string | null;
}

/** `[length in characters, prefix]`, the parameters of a `substr(column, 1, ?) = ?` test. */
function descendantPrefix(namespace: string): [number, string] {
  const prefix = `${namespace}.`;
  return [[...prefix].length, prefix];
}

export class SqlCatalogRows {
  readonly #driver: SqlDriver;
  readonly #catalog: string;
  /** ` AND (iceberg_type ...)` on V1 schemas: views and other record types are not tables. */
  readonly #onlyTables: string;
  readonly #hasRecordType: boolean;

  constructor(driver: SqlDriver, catalogName: string, hasRecordType: boolean) {
    this.#driver = driver;
    this.#catalog = catalogName;
    this.#hasRecordType = hasRecordType;
    this.#onlyTables = hasRecordType
      ? ` AND (iceberg_type = '${TABLE_RECORD_TYPE}' OR iceberg_type IS NULL)`
      : '';
  }

  /** A namespace exists while it, or a namespace under it, has a property row or a table. */
  async namespaceExists(namespace: string, on: SqlExecutor = this.#driver): Promise<boolean> {
    const [length, prefix] = descendantPrefix(namespace);
    const params = [this.#catalog, namespace, length, prefix];
    const tables = await on.query(
      'SELECT 1 AS found FROM iceberg_tables WHERE catalog_name = ? AND (table_namespace = ? OR substr(table_namespace, 1, ?) = ?) LIMIT 1',
      params,
    );
    if (tables.rows.length > 0) return true;
    const properties = await on.query(
      'SELECT 1 AS found FROM iceberg_namespace_properties WHERE catalog_name = ? AND (namespace = ? OR substr(namespace, 1, ?) = ?) LIMIT 1',
      params,
    );
    return properties.rows.length > 0;
  }

  /** Whether any record (table or view) lies directly in `namespace`. */
  async hasTables(namespace: string, on: SqlExecutor): Promise<boolean> {
    const result = await on.query(
      'SELECT 1 AS found FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? LIMIT 1',
      [this.#catalog, namespace],
    );
    return result.rows.length > 0;
  }

  /** Whether any table or namespace lies strictly under `namespace`. */
  async hasDescendants(namespace: string, on: SqlExecutor): Promise<boolean> {
    const [length, prefix] = descendantPrefix(namespace);
    const params = [this.#catalog, length, prefix];
    const tables = await on.query(
      'SELECT 1 AS found FROM iceberg_tables WHERE catalog_name = ? AND substr(table_namespace, 1, ?) = ? LIMIT 1',
      params,
    );
    if (tables.rows.length > 0) return true;
    const properties = await on.query(
      'SELECT 1 AS found FROM iceberg_namespace_properties WHERE catalog_name = ? AND substr(namespace, 1, ?) = ? LIMIT 1',
      params,
    );
    return properties.rows.length > 0;
  }

  /** Every namespace string that has a row, restricted to those under `parent` when given. */
  async namespaceNames(parent?: string): Promise<string[]> {
    let sql =
      'SELECT table_namespace AS ns FROM iceberg_tables WHERE catalog_name = ?' +
      ' UNION SELECT namespace AS ns FROM iceberg_namespace_properties WHERE catalog_name = ?';
    let params: Array<string | number> = [this.#catalog, this.#catalog];
    if (parent !== undefined) {
      const [length, prefix] = descendantPrefix(parent);
      sql =
        'SELECT table_namespace AS ns FROM iceberg_tables WHERE catalog_name = ? AND substr(table_namespace, 1, ?) = ?' +
        ' UNION SELECT namespace AS ns FROM iceberg_namespace_properties WHERE catalog_name = ? AND substr(namespace, 1, ?) = ?';
      params = [this.#catalog, length, prefix, this.#catalog, length, prefix];
    }
    const result = await this.#driver.query(sql, params);
    return result.rows.map((row) => String(row.ns));
  }

  async namespaceProperties(namespace: string): Promise<Record<string, string>> {
    const result = await this.#driver.query(
      'SELECT property_key, property_value FROM iceberg_namespace_properties WHERE catalog_name = ? AND namespace = ?',
      [this.#catalog, namespace],
    );
    return Object.fromEntries(
      result.rows.map((row) => [String(row.property_key), String(row.property_value ?? '')]),
    );
  }

  async insertNamespaceProperties(
    namespace: string,
    properties: Readonly<Record<string, string>>,
    on: SqlExecutor,
  ): Promise<void> {
    const entries = Object.entries(properties);
    for (const [key, value] of entries.length > 0 ? entries : Object.entries(NAMESPACE_EXISTS_PROPERTY)) {
      await on.query(
        'INSERT INTO iceberg_namespace_properties (catalog_name, namespace, property_key, property_value) VALUES (?, ?, ?, ?)',
        [this.#catalog, namespace, key, value],
      );
    }
  }

  async deleteNamespaceProperties(namespace: string, on: SqlExecutor): Promise<void> {
    await on.query('DELETE FROM iceberg_namespace_properties WHERE catalog_name = ? AND namespace = ?', [
      this.#catalog,
      namespace,
    ]);
  }

  async tableNames(namespace: string): Promise<string[]> {
    const result = await this.#driver.query(
      `SELECT table_name FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ?${this.#onlyTables} ORDER BY table_name`,
      [this.#catalog, namespace],
    );
    return result.rows.map((row) => String(row.table_name));
  }

  /**
   * `lock` (inside a transaction): PostgreSQL holds the row until the end of the
   * transaction, so what was read is still true at COMMIT; SQLite's IMMEDIATE
   * transaction already holds the whole database.
   */
  async table(
    namespace: string,
    name: string,
    on: SqlExecutor = this.#driver,
    lock = false,
  ): Promise<TableRow | undefined> {
    const forUpdate = lock && this.#driver.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const result = await on.query(
      'SELECT metadata_location, previous_metadata_location FROM iceberg_tables' +
        ` WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?${this.#onlyTables}${forUpdate}`,
      [this.#catalog, namespace, name],
    );
    const row = result.rows[0];
    if (row === undefined) return undefined;
    return {
      metadataLocation: row.metadata_location === null ? null : String(row.metadata_location),
      previousMetadataLocation:
        row.previous_metadata_location === null ? null : String(row.previous_metadata_location),
    };
  }

  /** Whether the name is taken by any record, a view included. */
  async nameTaken(namespace: string, name: string): Promise<boolean> {
    const result = await this.#driver.query(
      'SELECT 1 AS found FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?',
      [this.#catalog, namespace, name],
    );
    return result.rows.length > 0;
  }

  async insertTable(namespace: string, name: string, metadataLocation: string): Promise<void> {
    if (this.#hasRecordType) {
      await this.#driver.query(
        'INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location, iceberg_type)' +
          ' VALUES (?, ?, ?, ?, NULL, ?)',
        [this.#catalog, namespace, name, metadataLocation, TABLE_RECORD_TYPE],
      );
    } else {
      await this.#driver.query(
        'INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, metadata_location, previous_metadata_location)' +
          ' VALUES (?, ?, ?, ?, NULL)',
        [this.#catalog, namespace, name, metadataLocation],
      );
    }
  }

  /** The commit itself: moves the pointer only if it still holds `expected`. Returns the rows changed (0 or 1). */
  async swapMetadataLocation(
    namespace: string,
    name: string,
    expected: string,
    next: string,
    on: SqlExecutor = this.#driver,
  ): Promise<number> {
    const result: SqlResult = await on.query(
      'UPDATE iceberg_tables SET metadata_location = ?, previous_metadata_location = ?' +
        ` WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? AND metadata_location = ?${this.#onlyTables}`,
      [next, expected, this.#catalog, namespace, name, expected],
    );
    return result.rowCount;
  }

  async deleteTable(namespace: string, name: string): Promise<number> {
    const result = await this.#driver.query(
      `DELETE FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?${this.#onlyTables}`,
      [this.#catalog, namespace, name],
    );
    return result.rowCount;
  }
}
