"""Writes a tiny partitioned v2 Iceberg table with PyIceberg (two appends) and copies
the second snapshot's manifest list and the first snapshot's manifest into
test/golden/manifests/, with expected.json holding what PyIceberg itself reads back
(the oracle for manifest.test.ts and manifest-list.test.ts). Snapshot ids are
strings there: they exceed 2^53. The files embed the temporary warehouse paths.

Run: /root/.cache/floe/venv/bin/python test/interop/generate-golden-manifests.py
then: npx biome format --write test/golden/manifests/expected.json
"""

import datetime
import json
import shutil
import base64
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.io.pyarrow import PyArrowFileIO
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import IdentityTransform
from pyiceberg.types import DateType, LongType, NestedField, StringType, TimestamptzType

OUT = Path(__file__).resolve().parent.parent / "golden" / "manifests"


def b64(value):
    return None if value is None else base64.b64encode(value).decode()


def main() -> None:
    warehouse = Path(tempfile.mkdtemp(prefix="floe-golden-"))
    catalog = SqlCatalog("golden", uri=f"sqlite:///{warehouse}/catalog.db", warehouse=f"file://{warehouse}")
    catalog.create_namespace("db")
    schema = Schema(
        NestedField(1, "id", LongType(), required=True),
        NestedField(2, "category", StringType(), required=False),
        NestedField(3, "ts", TimestamptzType(), required=False),
        NestedField(4, "day", DateType(), required=False),
    )
    spec = PartitionSpec(
        PartitionField(source_id=2, field_id=1000, transform=IdentityTransform(), name="category"),
        PartitionField(source_id=4, field_id=1001, transform=IdentityTransform(), name="day"),
    )
    table = catalog.create_table("db.events", schema=schema, partition_spec=spec, properties={"format-version": "2"})
    utc = datetime.timezone.utc
    first = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int64()),
            "category": pa.array(["a", "a", None], pa.string()),
            "ts": pa.array(
                [datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc)] * 2 + [datetime.datetime(2024, 3, 1, tzinfo=utc)],
                pa.timestamp("us", tz="UTC"),
            ),
            "day": pa.array([datetime.date(2024, 1, 2)] * 2 + [datetime.date(2024, 3, 1)], pa.date32()),
        },
        schema=schema.as_arrow(),
    )
    second = pa.table(
        {
            "id": pa.array([10], pa.int64()),
            "category": pa.array(["b"], pa.string()),
            "ts": pa.array([None], pa.timestamp("us", tz="UTC")),
            "day": pa.array([None], pa.date32()),
        },
        schema=schema.as_arrow(),
    )
    # Two fast appends: the second snapshot's list holds its own manifest and the first's.
    table.append(first)
    table.append(second)
    snapshot = table.current_snapshot()
    io = PyArrowFileIO()
    manifests = snapshot.manifests(io)
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    shutil.copy(snapshot.manifest_list.removeprefix("file://"), OUT / "manifest-list.avro")
    # The first snapshot's manifest: three data files, sequence number inherited (1).
    older = [m for m in manifests if m.added_snapshot_id != snapshot.snapshot_id][0]
    shutil.copy(older.manifest_path.removeprefix("file://"), OUT / "manifest.avro")
    entries = older.fetch_manifest_entry(io, discard_deleted=False)
    expected = {
        "snapshot_id": str(snapshot.snapshot_id),
        "parent_snapshot_id": str(snapshot.parent_snapshot_id),
        "sequence_number": snapshot.sequence_number,
        "manifests": [
            {
                "manifest_path": m.manifest_path,
                "manifest_length": m.manifest_length,
                "partition_spec_id": m.partition_spec_id,
                "content": int(m.content),
                "sequence_number": m.sequence_number,
                "min_sequence_number": m.min_sequence_number,
                "added_snapshot_id": str(m.added_snapshot_id),
                "added_files_count": m.added_files_count,
                "existing_files_count": m.existing_files_count,
                "deleted_files_count": m.deleted_files_count,
                "added_rows_count": m.added_rows_count,
                "existing_rows_count": m.existing_rows_count,
                "deleted_rows_count": m.deleted_rows_count,
                "partitions": [
                    {
                        "contains_null": p.contains_null,
                        "contains_nan": p.contains_nan,
                        "lower_bound": b64(p.lower_bound),
                        "upper_bound": b64(p.upper_bound),
                    }
                    for p in (m.partitions or [])
                ],
            }
            for m in manifests
        ],
        # Entries with sequence numbers inherited from the manifest list, as PyIceberg reads them.
        "entries": [
            {
                "status": int(e.status),
                "snapshot_id": str(e.snapshot_id),
                "sequence_number": e.sequence_number,
                "file_sequence_number": e.file_sequence_number,
                "data_file": {
                    "content": int(e.data_file.content),
                    "file_path": e.data_file.file_path,
                    "file_format": str(e.data_file.file_format.value),
                    "partition": [str(v) if isinstance(v, datetime.date) else v for v in e.data_file.partition],
                    "record_count": e.data_file.record_count,
                    "file_size_in_bytes": e.data_file.file_size_in_bytes,
                    "column_sizes": dict(e.data_file.column_sizes or {}),
                    "value_counts": dict(e.data_file.value_counts or {}),
                    "null_value_counts": dict(e.data_file.null_value_counts or {}),
                    "lower_bounds": {k: b64(v) for k, v in (e.data_file.lower_bounds or {}).items()},
                    "upper_bounds": {k: b64(v) for k, v in (e.data_file.upper_bounds or {}).items()},
                    "split_offsets": e.data_file.split_offsets,
                },
            }
            for e in entries
        ],
    }
    (OUT / "expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")
    shutil.rmtree(warehouse)
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
