"""Deletion vectors as Apache Spark writes them (the Iceberg Java 1.12 runtime):
a merge-on-read v3 table with two data files (ids 0..19, then 100..104), a
DELETE touching both (one Puffin file, two deletion-vector-v1 blobs), then a
DELETE touching the first file again (Java merges the file's vector with the
new positions into a new Puffin file and removes the old vector's entry).

Copies into test/vectors/deletion-vectors/ the two Puffin files, the delete
manifests of the last snapshot and expected.json: per Puffin file its blobs
(by data file name: the deleted positions as Spark shows them through _pos),
every delete-manifest entry as stored (read with fastavro: status, content,
file format, referenced data file, content_offset, content_size_in_bytes,
record_count, file_size_in_bytes) and the summaries of the two DELETE
snapshots. The oracle for test/unit/iceberg/puffin-golden.test.ts. Paths are
the temporary warehouse's; the test maps them by file name.

Run (~1 min): /root/.cache/floe/reader-venv/bin/python test/interop/generate-golden-dv.py
then: npx biome format --write test/vectors/deletion-vectors/expected.json
"""
import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import fastavro

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spark_maintain import spark_session  # noqa: E402  (also turns on the Iceberg SQL extensions)

from pyiceberg.catalog.sql import SqlCatalog  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "vectors" / "deletion-vectors"
TABLE = "golden.db.dv"


def name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def positions(spark, ids):
    rows = spark.sql(f"SELECT _file, _pos FROM {TABLE} WHERE id IN ({', '.join(map(str, ids))})").collect()
    out = {}
    for r in rows:
        out.setdefault(name(r["_file"]), []).append(r["_pos"])
    return out


def main() -> None:
    warehouse = Path(tempfile.mkdtemp(prefix="floe-golden-dv-"))
    uri = f"sqlite:///{warehouse}/catalog.db"
    SqlCatalog("golden", uri=uri, warehouse=f"file://{warehouse}")  # creates the catalog tables
    args = argparse.Namespace(catalog="sql", name="golden", uri=uri, warehouse=f"file://{warehouse}",
                              s3_endpoint=None, s3_access_key=None, s3_secret_key=None, s3_region="us-east-1")
    scratch = tempfile.mkdtemp(prefix="floe-spark-")
    deleted = {}
    try:
        spark = spark_session(args, scratch)
        spark.sql("CREATE NAMESPACE IF NOT EXISTS golden.db")
        spark.sql(
            f"CREATE TABLE {TABLE} (id bigint) USING iceberg TBLPROPERTIES ("
            "'format-version'='3', 'write.delete.mode'='merge-on-read')"
        )
        spark.range(0, 20).coalesce(1).writeTo(TABLE).append()
        spark.range(100, 105).coalesce(1).writeTo(TABLE).append()
        summaries = []
        for ids in ((1, 4, 101), (7, 19)):
            for file, pos in positions(spark, ids).items():
                deleted.setdefault(file, []).extend(pos)
            spark.sql(f"DELETE FROM {TABLE} WHERE id IN ({', '.join(map(str, ids))})")
            summaries.append(spark.sql(
                f"SELECT summary FROM {TABLE}.snapshots ORDER BY committed_at DESC LIMIT 1"
            ).collect()[0]["summary"])
        remaining = sorted(r["id"] for r in spark.table(TABLE).collect())
        spark.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    metadata_file = sorted((warehouse / "db" / "dv" / "metadata").glob("*.metadata.json"))[-1]
    metadata = json.loads(metadata_file.read_text())
    snapshot = next(s for s in metadata["snapshots"] if s["snapshot-id"] == metadata["current-snapshot-id"])
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    entries = []
    puffins = set()
    with open(snapshot["manifest-list"].removeprefix("file:"), "rb") as f:
        manifests = [m for m in fastavro.reader(f) if m["content"] == 1]
    for m in manifests:
        path = Path(m["manifest_path"].removeprefix("file:"))
        shutil.copyfile(path, OUT / path.name)
        with open(path, "rb") as f:
            for e in fastavro.reader(f):
                d = e["data_file"]
                puffins.add(d["file_path"].removeprefix("file:"))
                entries.append({
                    "manifest": path.name,
                    "status": e["status"],
                    "content": d["content"],
                    "file_format": d["file_format"],
                    "file": name(d["file_path"]),
                    "referenced_data_file": name(d["referenced_data_file"]),
                    "content_offset": d["content_offset"],
                    "content_size_in_bytes": d["content_size_in_bytes"],
                    "record_count": d["record_count"],
                    "file_size_in_bytes": d["file_size_in_bytes"],
                })
    for p in sorted(puffins):
        shutil.copyfile(p, OUT / name(p))
    expected = {
        "deleted": {file: sorted(pos) for file, pos in sorted(deleted.items())},
        "remaining-ids": remaining,
        "entries": entries,
        "summaries": summaries,
    }
    (OUT / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    shutil.rmtree(warehouse, ignore_errors=True)
    print(json.dumps(expected))


if __name__ == "__main__":
    main()
