#!/usr/bin/env python3
"""Independent reader for floe's tests: DuckDB with its iceberg extension. Prints each
row of every table named in the canonical form of canonical.py:

  read_duckdb.py <catalog options as read_table.py> NS.NAME [NS.NAME ...]
  -> "NS.NAME<TAB>{canonical row JSON}" per row

The REST catalog is ATTACHed (DuckDB talks to it itself). DuckDB cannot attach a SQL
catalog: the table's current metadata location is looked up in the catalog's
iceberg_tables row (SQLAlchemy, the URI PyIceberg takes) and read with
iceberg_scan. S3 settings from the --s3-* options.

The extensions are loaded from their PyPI wheels in the venv (duckdb-extension-*,
the same version as duckdb); nothing is downloaded at run time. DuckDB does not
apply equality deletes (floe never writes them).
"""
import argparse
import importlib.util
import os
import signal
import sys
import urllib.parse

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from canonical import canonical, emit_row, row_line  # noqa: E402
from catalog_args import add_catalog_args  # noqa: E402

EXTENSIONS = ("httpfs", "avro", "iceberg")


def extension_path(name):
    spec = importlib.util.find_spec(f"duckdb_extension_{name}")
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"read_duckdb.py: the wheel duckdb-extension-{name}=={duckdb.__version__} is not installed")
    base = spec.submodule_search_locations[0]
    path = os.path.join(base, "extensions", f"v{duckdb.__version__}", f"{name}.duckdb_extension")
    if not os.path.isfile(path):
        sys.exit(f"read_duckdb.py: no {path} (the extension wheel must match duckdb {duckdb.__version__})")
    return path


def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


def connect(args):
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    for name in EXTENSIONS:
        con.execute(f"LOAD {sql_string(extension_path(name))}")
    con.execute("SET TimeZone = 'UTC'")
    if args.s3_endpoint:
        endpoint = urllib.parse.urlsplit(args.s3_endpoint)
        con.execute(
            "CREATE SECRET floe_s3 (TYPE s3, KEY_ID ?, SECRET ?, REGION ?, ENDPOINT ?, URL_STYLE 'path', USE_SSL ?)",
            [args.s3_access_key, args.s3_secret_key, args.s3_region, endpoint.netloc, endpoint.scheme == "https"],
        )
    return con


def metadata_location(args, table):
    """The current metadata of a table in a SQL catalog (Iceberg's JdbcCatalog tables)."""
    import sqlalchemy

    namespace, _, name = table.rpartition(".")
    engine = sqlalchemy.create_engine(args.uri)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sqlalchemy.text(
                    "SELECT metadata_location FROM iceberg_tables"
                    " WHERE catalog_name = :c AND table_namespace = :n AND table_name = :t"
                ),
                {"c": args.name, "n": namespace, "t": name},
            ).first()
    finally:
        engine.dispose()
    if row is None:
        sys.exit(f"read_duckdb.py: no table {table} in catalog {args.name} at {args.uri}")
    location = row[0]
    return location[len("file://"):] if location.startswith("file://") else location


def source(con, args, table):
    if args.catalog == "sql":
        return f"iceberg_scan({sql_string(metadata_location(args, table))})"
    return "floe_rest." + ".".join('"' + p.replace('"', '""') + '"' for p in table.split("."))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_catalog_args(p)
    p.add_argument("tables", nargs="+", metavar="NS.NAME")
    args = p.parse_args()
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends it quietly
    con = connect(args)
    if args.catalog == "rest":
        con.execute(
            f"ATTACH '' AS floe_rest (TYPE iceberg, ENDPOINT {sql_string(args.uri)}, AUTHORIZATION_TYPE 'none')"
        )
    for table in args.tables:
        arrow = con.execute(f"SELECT * FROM {source(con, args, table)}").to_arrow_table()
        for row in arrow.to_pylist():
            emit_row(sys.stdout, table, row_line(canonical(row)))


if __name__ == "__main__":
    main()
