"""Writes a merge-on-read v2 table with Apache Spark (the Iceberg Java runtime:
ids 0..19, every tenth deleted by a file-scoped position delete,
write.delete.granularity=file) in a fresh SQLite catalog, and copies the delete manifest Java wrote into
test/golden/manifests/spark-deletes.avro, with spark-deletes.json holding its
entries as PyIceberg reads them with its v3 read schema (which has
referenced_data_file, field 143): the oracle for delete-manifest.test.ts. The
file embeds the temporary warehouse paths.

Run: /root/.cache/floe/reader-venv/bin/python test/interop/generate-golden-delete-manifest.py
then: npx biome format --write test/golden/manifests/spark-deletes.json
"""
import argparse
import base64
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from spark_maintain import spark_session  # noqa: E402

from pyiceberg.avro.file import AvroFile  # noqa: E402
from pyiceberg.catalog.sql import SqlCatalog  # noqa: E402
from pyiceberg.io.pyarrow import PyArrowFileIO  # noqa: E402
from pyiceberg.manifest import MANIFEST_ENTRY_SCHEMAS, DataFile, DataFileContent, ManifestEntry  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "golden" / "manifests"


# PyIceberg's DataFile has no accessor for field 143: read it by its position in the v3 struct.
REFERENCED = [f.field_id for f in MANIFEST_ENTRY_SCHEMAS[3].find_field(2).field_type.fields].index(143)


def b64(value):
    return None if value is None else base64.b64encode(value).decode()


def main() -> None:
    warehouse = Path(tempfile.mkdtemp(prefix="floe-golden-deletes-"))
    uri = f"sqlite:///{warehouse}/catalog.db"
    SqlCatalog("golden", uri=uri, warehouse=f"file://{warehouse}")  # creates the catalog tables
    args = argparse.Namespace(catalog="sql", name="golden", uri=uri, warehouse=f"file://{warehouse}",
                              s3_endpoint=None, s3_access_key=None, s3_secret_key=None, s3_region="us-east-1")
    scratch = tempfile.mkdtemp(prefix="floe-spark-")
    try:
        spark = spark_session(args, scratch)
        spark.sql("CREATE NAMESPACE IF NOT EXISTS golden.db")
        spark.sql(
            "CREATE TABLE golden.db.deletes (id bigint, kind string) USING iceberg TBLPROPERTIES ("
            "'format-version'='2', 'write.delete.mode'='merge-on-read', 'write.delete.granularity'='file')"
        )
        spark.range(20).selectExpr("id", "'spark' AS kind").coalesce(1).writeTo("golden.db.deletes").append()
        spark.sql("DELETE FROM golden.db.deletes WHERE id % 10 = 0")
        report = {"rows": spark.table("golden.db.deletes").count()}
        spark.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    assert report == {"rows": 18}, report
    io = PyArrowFileIO()
    found = []
    for path in sorted(warehouse.rglob("*.avro")):
        if path.name.startswith("snap-"):  # manifest lists
            continue
        with AvroFile[ManifestEntry](
            io.new_input(str(path)),
            MANIFEST_ENTRY_SCHEMAS[3],
            read_types={-1: ManifestEntry, 2: DataFile},
            read_enums={134: DataFileContent},
        ) as reader:
            if reader.header.meta.get("content") != "deletes":
                continue
            entries = list(reader)
        found.append((path, entries))
    assert len(found) == 1, [str(p) for p, _ in found]
    path, entries = found[0]
    shutil.copyfile(path, OUT / "spark-deletes.avro")
    expected = [
        {
            "status": int(e.status),
            "content": int(e.data_file.content),
            "file_path": e.data_file.file_path,
            "record_count": e.data_file.record_count,
            "referenced_data_file": e.data_file[REFERENCED],
            "lower_bounds": {str(k): b64(v) for k, v in (e.data_file.lower_bounds or {}).items()},
            "upper_bounds": {str(k): b64(v) for k, v in (e.data_file.upper_bounds or {}).items()},
        }
        for e in entries
    ]
    (OUT / "spark-deletes.json").write_text(json.dumps(expected, indent=2) + "\n")
    print(f"wrote {OUT / 'spark-deletes.avro'} ({len(expected)} entries)")


if __name__ == "__main__":
    main()
