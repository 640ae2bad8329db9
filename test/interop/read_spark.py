#!/usr/bin/env python3
"""Independent reader for floe's tests: Apache Spark (pyspark, local mode) with the
Iceberg Spark runtime. Reads every table named in one Spark process (a JVM start
costs ~15 s) and prints each row in the canonical form of canonical.py:

  read_spark.py <catalog options as read_table.py> NS.NAME [NS.NAME ...]
  -> "NS.NAME<TAB>{canonical row JSON}" per row

Catalogs: the REST catalog (S3FileIO with the --s3-* options), or a SQL catalog
through Iceberg's JdbcCatalog: a SQLite file is read from a copy (Spark's
JdbcCatalog may alter the catalog's tables), PostgreSQL in place with the catalog
tables left as they are (jdbc.init-catalog-tables=false).

Jars: the folder FLOE_SPARK_JARS, by default <venv>/spark-jars (the reader venv
that scripts/services up provisions, scripts/services.d/reader.sh).

The tests do not start this script per read: spark_server.py keeps one Spark session
for a whole integration run and answers the same arguments with the same lines,
through the functions below (parser, session_builder, catalog_conf, read_tables).
"""
import argparse
import glob
import os
import shutil
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from canonical import canonical, emit_row, row_line  # noqa: E402
from catalog_args import add_catalog_args  # noqa: E402


class ReadError(Exception):
    """What went wrong, in one line: read_spark.py exits with it, spark_server.py answers it."""


def jar_paths():
    folder = os.environ.get("FLOE_SPARK_JARS") or os.path.join(sys.prefix, "spark-jars")
    jars = sorted(glob.glob(os.path.join(folder, "*.jar")))
    if not jars:
        raise ReadError(f"no jars in {folder} (run scripts/services up: it provisions the reader venv)")
    return jars


def s3_props(args):
    return {
        "io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
        "s3.endpoint": args.s3_endpoint,
        "s3.path-style-access": "true",
        "s3.access-key-id": args.s3_access_key,
        "s3.secret-access-key": args.s3_secret_key,
        "client.region": args.s3_region,
    }


def jdbc_props(args, scratch):
    """PyIceberg's SQLAlchemy URI (sqlite:////abs/x.db, postgresql+psycopg2://u:p@h:port/db) as JdbcCatalog settings."""
    if args.uri.startswith("sqlite:///"):
        source = args.uri[len("sqlite:///"):]
        if not os.path.isfile(source):
            raise ReadError(f"no SQLite catalog file at {source}")
        copy = os.path.join(scratch, "catalog.db")
        # A catalog still open in WAL mode has its latest commits in the -wal file.
        for suffix in ("", "-wal"):
            if os.path.isfile(source + suffix):
                shutil.copyfile(source + suffix, copy + suffix)
        return {"uri": f"jdbc:sqlite:{copy}"}
    url = urllib.parse.urlsplit(args.uri)
    if not url.scheme.startswith("postgresql"):
        raise ReadError(f"unsupported SQL catalog URI {args.uri} (sqlite or postgresql)")
    return {
        "uri": f"jdbc:postgresql://{url.hostname}:{url.port or 5432}{url.path}",
        "jdbc.user": urllib.parse.unquote(url.username or ""),
        "jdbc.password": urllib.parse.unquote(url.password or ""),
    }


def catalog_props(args, scratch):
    if args.catalog == "rest":
        return {"type": "rest", "uri": args.uri, **s3_props(args)}
    if not args.warehouse:
        raise ReadError("a SQL catalog needs --warehouse")
    props = {
        "catalog-impl": "org.apache.iceberg.jdbc.JdbcCatalog",
        "warehouse": args.warehouse,
        "jdbc.init-catalog-tables": "false",
        **jdbc_props(args, scratch),
    }
    if args.warehouse.startswith("s3://") or args.s3_endpoint:
        props.update(s3_props(args))
    return props


def session_builder(scratch):
    """A local Spark session without catalogs: scratch holds Spark's local and warehouse dirs."""
    os.environ["TZ"] = "UTC"
    time.tzset()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[1]")
        .appName("floe-interop-reader")
        .config("spark.jars", ",".join(jar_paths()))
        .config("spark.driver.memory", "2g")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        # A busy 2-core machine: the C1 compiler only, one GC thread.
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC -XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .config("spark.local.dir", scratch)
        .config("spark.sql.warehouse.dir", os.path.join(scratch, "spark-warehouse"))
    )


def catalog_conf(args, scratch):
    """The session settings that make args' catalog Spark's catalog args.name (a SQLite file: a copy in scratch)."""
    prefix = f"spark.sql.catalog.{args.name}"
    conf = {prefix: "org.apache.iceberg.spark.SparkCatalog"}
    for key, value in catalog_props(args, scratch).items():
        conf[f"{prefix}.{key}"] = value
    return conf


def spark_session(args, scratch):
    builder = session_builder(scratch)
    for key, value in catalog_conf(args, scratch).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def quoted(catalog, table):
    parts = [catalog, *table.split(".")]
    return ".".join("`" + p.replace("`", "``") + "`" for p in parts)


def nullable(kind):
    """A Spark type with every nested field nullable (same values)."""
    from pyspark.sql.types import ArrayType, MapType, StructField, StructType

    if isinstance(kind, StructType):
        return StructType([StructField(f.name, nullable(f.dataType), True) for f in kind.fields])
    if isinstance(kind, ArrayType):
        return ArrayType(nullable(kind.elementType), True)
    if isinstance(kind, MapType):
        return MapType(nullable(kind.keyType), nullable(kind.valueType), True)
    return kind


LINEAGE_COLUMNS = ["_row_id", "_last_updated_sequence_number", "_file", "_pos"]


def read_arrow(spark, catalog, table, lineage=False):
    """The table as a PyArrow table (toArrow: the same Python values as PyIceberg's)."""
    from pyspark.sql.functions import col

    # Every file in one task: local[1] runs them one after the other anyway, and a
    # task per small file costs about a second each on a busy machine.
    frame = (
        spark.read.format("iceberg")
        .option("split-size", str(1 << 40))
        .option("file-open-cost", "1")
        .load(quoted(catalog, table))
    )
    # toArrow refuses a null struct whose fields are required ("nulls in input cannot
    # be viewed as non-nullable"): read every column as its all-nullable type.
    columns = [
        col("`" + f.name.replace("`", "``") + "`").cast(nullable(f.dataType)).alias(f.name)
        for f in frame.schema.fields
    ]
    # --lineage: v3 row lineage (and where each row lives) as Spark's metadata columns
    columns += [col(name) for name in (LINEAGE_COLUMNS if lineage else [])]
    return frame.select(columns).toArrow()


def parser():
    p = argparse.ArgumentParser(
        prog="read_spark.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_catalog_args(p)
    p.add_argument("--lineage", action="store_true", help="add " + ", ".join(LINEAGE_COLUMNS) + " to each row")
    p.add_argument("tables", nargs="+", metavar="NS.NAME")
    return p


def read_tables(spark, args, out, log):
    """Prints every table of args to out as canonical lines, a timing line per table to log."""
    for table in args.tables:
        started = time.monotonic()
        try:
            arrow = read_arrow(spark, args.name, table, args.lineage)
        except Exception as error:  # Spark's errors: their first line says what failed
            lines = str(error).strip().splitlines() or [type(error).__name__]
            raise ReadError(f"cannot read {table}: {lines[0]}") from error
        for row in arrow.to_pylist():
            emit_row(out, table, row_line(canonical(row)))
        print(f"read_spark.py: {table}: {arrow.num_rows} rows in {time.monotonic() - started:.1f} s", file=log)


def main():
    args = parser().parse_args()
    scratch = tempfile.mkdtemp(prefix="floe-spark-")
    try:
        started = time.monotonic()
        spark = spark_session(args, scratch)
        print(f"read_spark.py: Spark session in {time.monotonic() - started:.1f} s", file=sys.stderr)
        read_tables(spark, args, sys.stdout, sys.stderr)
        spark.stop()
    except ReadError as error:
        sys.exit(f"read_spark.py: {error}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
