#!/usr/bin/env python3
"""Another engine deleting rows from a table floe writes: Apache Spark (pyspark,
local mode, the Iceberg 1.12 runtime) runs DELETE FROM ... WHERE id IN (...)
merge-on-read, so on a v3 table it writes deletion vectors, merged with the
vectors already there (floe's). Catalog options as read_table.py.

  spark_delete.py <catalog options> NS.NAME --ids 1,2,3

Prints one JSON line: the DELETE snapshot's summary, and per data file (by
path) the vector Spark left live, as Spark's delete_files table shows it.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from catalog_args import add_catalog_args  # noqa: E402
from read_spark import quoted  # noqa: E402
from spark_maintain import spark_session  # noqa: E402  (also turns on the Iceberg SQL extensions)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_catalog_args(p)
    p.add_argument("table", metavar="NS.NAME")
    p.add_argument("--ids", required=True, help="comma-separated ids to delete")
    args = p.parse_args()
    ids = [int(i) for i in args.ids.split(",")]
    scratch = tempfile.mkdtemp(prefix="floe-spark-")
    try:
        spark = spark_session(args, scratch)
        name = quoted(args.name, args.table)
        spark.sql(f"ALTER TABLE {name} SET TBLPROPERTIES ('write.delete.mode'='merge-on-read')")
        spark.sql(f"DELETE FROM {name} WHERE id IN ({', '.join(map(str, ids))})")
        summary = spark.sql(
            f"SELECT summary FROM {name}.snapshots ORDER BY committed_at DESC LIMIT 1"
        ).collect()[0]["summary"]
        vectors = {
            r["referenced_data_file"]: {"format": r["file_format"], "path": r["file_path"], "count": r["record_count"]}
            for r in spark.sql(
                f"SELECT referenced_data_file, file_format, file_path, record_count FROM {name}.delete_files"
            ).collect()
        }
        spark.stop()
        print(json.dumps({"summary": summary, "vectors": vectors}))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
