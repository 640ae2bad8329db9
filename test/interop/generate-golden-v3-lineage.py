"""Writes a v3 table with Apache Spark (the Iceberg Java 1.12 runtime: three
appends of 10, 5 and 7 rows, manifests merged from the second commit on) in a
fresh SQLite catalog and copies the current snapshot's manifest list and its
manifests into test/golden/manifests/spark-v3/, with expected.json holding
Java's row lineage as Spark itself shows it: per data file (by file name) the
_row_id of its row at _pos 0, the snapshot's first-row-id/added-rows and the
table's next-row-id from the metadata file, and each manifest's first_row_id as
stored (read with fastavro). The oracle for test/unit/iceberg/row-lineage-golden.test.ts.
The files embed the temporary warehouse paths (the test maps them by file name).

Run: /root/.cache/floe/reader-venv/bin/python test/interop/generate-golden-v3-lineage.py
then: npx biome format --write test/golden/manifests/spark-v3/expected.json
"""
import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import fastavro

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spark_maintain import spark_session  # noqa: E402

from pyiceberg.catalog.sql import SqlCatalog  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "golden" / "manifests" / "spark-v3"


def main() -> None:
    warehouse = Path(tempfile.mkdtemp(prefix="floe-golden-v3-"))
    uri = f"sqlite:///{warehouse}/catalog.db"
    SqlCatalog("golden", uri=uri, warehouse=f"file://{warehouse}")  # creates the catalog tables
    args = argparse.Namespace(catalog="sql", name="golden", uri=uri, warehouse=f"file://{warehouse}",
                              s3_endpoint=None, s3_access_key=None, s3_secret_key=None, s3_region="us-east-1")
    scratch = tempfile.mkdtemp(prefix="floe-spark-")
    try:
        spark = spark_session(args, scratch)
        spark.sql("CREATE NAMESPACE IF NOT EXISTS golden.db")
        spark.sql(
            "CREATE TABLE golden.db.lineage (id bigint) USING iceberg TBLPROPERTIES ("
            "'format-version'='3', 'commit.manifest.min-count-to-merge'='2')"
        )
        start = 0
        for rows in (10, 5, 7):
            spark.range(start, start + rows).coalesce(1).writeTo("golden.db.lineage").append()
            start += rows
        files = {
            r["_file"].rsplit("/", 1)[-1]: r["first"]
            for r in spark.sql(
                "SELECT _file, min(_row_id - _pos) AS first, max(_row_id - _pos) AS last "
                "FROM golden.db.lineage GROUP BY _file"
            ).collect()
        }
        spark.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    metadata_file = sorted((warehouse / "db" / "lineage" / "metadata").glob("*.metadata.json"))[-1]
    metadata = json.loads(metadata_file.read_text())
    snapshot = next(s for s in metadata["snapshots"] if s["snapshot-id"] == metadata["current-snapshot-id"])
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    list_path = Path(snapshot["manifest-list"].removeprefix("file:"))
    shutil.copyfile(list_path, OUT / "manifest-list.avro")
    manifests = {}
    with open(list_path, "rb") as f:
        for m in fastavro.reader(f):
            path = Path(m["manifest_path"].removeprefix("file:"))
            shutil.copyfile(path, OUT / path.name)
            manifests[path.name] = m.get("first_row_id")
    expected = {
        "next-row-id": metadata["next-row-id"],
        "first-row-id": snapshot["first-row-id"],
        "added-rows": snapshot["added-rows"],
        "manifests": manifests,
        "files": files,
    }
    (OUT / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    shutil.rmtree(warehouse, ignore_errors=True)
    print(json.dumps(expected))


if __name__ == "__main__":
    main()
