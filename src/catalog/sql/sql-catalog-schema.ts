// The two tables shared with Iceberg's JdbcCatalog and PyIceberg's SqlCatalog:
// iceberg_tables (one row per table: where its current metadata file is) and
// iceberg_namespace_properties (one row per namespace property). The DDL is
// plain enough for SQLite and PostgreSQL alike.
import type { SqlDriver } from './sql-driver.ts';

/** iceberg_tables.iceberg_type of a table row (views are 'VIEW'; rows of older catalogs have NULL). */
export const TABLE_RECORD_TYPE = 'TABLE';

/** The property a namespace created without properties gets, so that it has a row. */
export const NAMESPACE_EXISTS_PROPERTY = { exists: 'true' } as const;

const CREATE_TABLES_TABLE = `CREATE TABLE IF NOT EXISTS iceberg_tables (
  catalog_name VARCHAR(255) NOT NULL,
  table_namespace VARCHAR(255) NOT NULL,
  table_name VARCHAR(255) NOT NULL,
  metadata_location VARCHAR(1000),
  previous_metadata_location VARCHAR(1000),
  iceberg_type VARCHAR(5),
  PRIMARY KEY (catalog_name, table_namespace, table_name)
)`;

const CREATE_NAMESPACE_PROPERTIES_TABLE = `CREATE TABLE IF NOT EXISTS iceberg_namespace_properties (
  catalog_name VARCHAR(255) NOT NULL,
  namespace VARCHAR(255) NOT NULL,
  property_key VARCHAR(255) NOT NULL,
  property_value VARCHAR(1000),
  PRIMARY KEY (catalog_name, namespace, property_key)
)`;

export interface CatalogSchemaState {
  /**
   * Whether iceberg_tables has the iceberg_type column (JdbcCatalog's "V1"
   * schema). Tables created by older catalogs lack it; floe then neither writes
   * nor filters on it, and does not migrate the shared table behind their back.
   */
  readonly hasRecordType: boolean;
}

/** Creates the catalog tables when missing, and reports which schema version the database has. */
export async function ensureCatalogSchema(driver: SqlDriver): Promise<CatalogSchemaState> {
  for (const ddl of [CREATE_TABLES_TABLE, CREATE_NAMESPACE_PROPERTIES_TABLE]) {
    try {
      await driver.query(ddl);
    } catch (error) {
      // two catalogs starting at once on PostgreSQL: the loser's IF NOT EXISTS can still collide
      if (
        !(await tableReadable(
          driver,
          ddl.includes('iceberg_tables') ? 'iceberg_tables' : 'iceberg_namespace_properties',
        ))
      ) {
        throw error;
      }
    }
  }
  return { hasRecordType: await columnReadable(driver, 'iceberg_tables', 'iceberg_type') };
}

async function tableReadable(driver: SqlDriver, table: string): Promise<boolean> {
  return columnReadable(driver, table, '1');
}

async function columnReadable(driver: SqlDriver, table: string, column: string): Promise<boolean> {
  try {
    await driver.query(`SELECT ${column} FROM ${table} WHERE 1 = 0`);
    return true;
  } catch {
    return false;
  }
}
