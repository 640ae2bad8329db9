#!/usr/bin/env python3
"""Another engine writing and maintaining a table floe also writes: Apache Spark
(pyspark, local mode, the Iceberg runtime and its SQL extensions), as a user's
maintenance job would. Catalog options as read_table.py; Spark's session is
read_spark.py's.

  spark_maintain.py <catalog options> create-mor NS.NAME --rows N
      creates NS.NAME (id bigint, kind string) as a merge-on-read v2 table, inserts
      rows id = 0..N-1 (kind 'spark'), then deletes every tenth id (position deletes)
  spark_maintain.py <catalog options> compact-expire NS.NAME
      rewrite_data_files (every file, position deletes applied), then
      expire_snapshots keeping only the newest snapshot

Prints one JSON line: what each step reported.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from catalog_args import add_catalog_args  # noqa: E402

# CALL needs the Iceberg SQL extensions, a static setting made before the session starts.
os.environ["PYSPARK_SUBMIT_ARGS"] = (
    "--conf spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions pyspark-shell"
)
from read_spark import quoted, spark_session  # noqa: E402


def create_mor(spark, catalog, table, rows):
    name = quoted(catalog, table)
    namespace = ".".join(quoted(catalog, table).split(".")[:-1])
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {namespace}")
    spark.sql(
        f"CREATE TABLE {name} (id bigint, kind string) USING iceberg TBLPROPERTIES ("
        "'format-version'='2', 'write.delete.mode'='merge-on-read', "
        "'write.update.mode'='merge-on-read', 'write.merge.mode'='merge-on-read')"
    )
    spark.range(rows).selectExpr("id", "'spark' AS kind").writeTo(name).append()
    spark.sql(f"DELETE FROM {name} WHERE id % 10 = 0")
    deletes = spark.sql(f"SELECT count(*) FROM {name}.delete_files").collect()[0][0]
    return {"rows": spark.table(name).count(), "deleteFiles": deletes}


def compact_expire(spark, catalog, table):
    ident = table
    rewrite = spark.sql(
        f"CALL {quoted(catalog, 'system')}.rewrite_data_files(table => '{ident}', "
        "options => map('rewrite-all', 'true', 'delete-file-threshold', '1'))"
    ).collect()[0]
    spark.sql(f"CALL {quoted(catalog, 'system')}.rewrite_position_delete_files(table => '{ident}', "
              "options => map('rewrite-all', 'true'))").collect()
    # older_than in the future: every snapshot but the newest retain_last goes.
    later = (datetime.now(timezone.utc) + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    expire = spark.sql(
        f"CALL {quoted(catalog, 'system')}.expire_snapshots(table => '{ident}', "
        f"older_than => TIMESTAMP '{later}', retain_last => 1)"
    ).collect()[0]
    snapshots = spark.sql(f"SELECT count(*) FROM {quoted(catalog, table)}.snapshots").collect()[0][0]
    return {
        "rewrittenFiles": rewrite["rewritten_data_files_count"],
        "addedFiles": rewrite["added_data_files_count"],
        "expiredDataFiles": expire["deleted_data_files_count"],
        "expiredManifestLists": expire["deleted_manifest_lists_count"],
        "snapshotsLeft": snapshots,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_catalog_args(p)
    p.add_argument("action", choices=["create-mor", "compact-expire"])
    p.add_argument("table", metavar="NS.NAME")
    p.add_argument("--rows", type=int, default=100)
    args = p.parse_args()
    scratch = tempfile.mkdtemp(prefix="floe-spark-")
    try:
        spark = spark_session(args, scratch)
        if args.action == "create-mor":
            report = create_mor(spark, args.name, args.table, args.rows)
        else:
            report = compact_expire(spark, args.name, args.table)
        spark.stop()
        print(json.dumps(report))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
