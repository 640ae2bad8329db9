"""Reads a manifest list (and every manifest it names) with PyIceberg and prints
what PyIceberg sees as JSON on stdout. Used by test/unit/iceberg/manifest-list.test.ts
to check that floe's encoder writes files the reference Python reader accepts.

Run with the reader venv scripts/services provisions:
  ~/.cache/floe/reader-venv/bin/python test/interop/read-manifest-list.py /abs/path/snap.avro
"""

import base64
import datetime
import json
import math
import sys
import uuid
from decimal import Decimal

import fastavro

from pyiceberg.io.pyarrow import PyArrowFileIO
from pyiceberg.manifest import ManifestFile, read_manifest_list  # noqa: F401


def plain(value):
    """JSON-friendly form: ids as strings (they exceed 2^53), bytes as base64."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if value is None or isinstance(value, (bool, str, float)):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, (Decimal, uuid.UUID, datetime.date, datetime.datetime)):
        return str(value)
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): plain(v) for k, v in value.items()}
    return [plain(v) for v in value]


def raw_records(path):
    with open(path, "rb") as f:
        return list(fastavro.reader(f))


def main() -> None:
    io = PyArrowFileIO()
    manifests = list(read_manifest_list(io.new_input(sys.argv[1])))
    raw_list = raw_records(sys.argv[1])
    out = []
    for m in manifests:
        entries = m.fetch_manifest_entry(io, discard_deleted=False)
        out.append(
            {
                "manifest_path": m.manifest_path,
                "manifest_length": plain(m.manifest_length),
                "partition_spec_id": plain(m.partition_spec_id),
                "content": plain(int(m.content)),
                "sequence_number": plain(m.sequence_number),
                "min_sequence_number": plain(m.min_sequence_number),
                "added_snapshot_id": plain(m.added_snapshot_id),
                "added_files_count": plain(m.added_files_count),
                "existing_files_count": plain(m.existing_files_count),
                "deleted_files_count": plain(m.deleted_files_count),
                "added_rows_count": plain(m.added_rows_count),
                "existing_rows_count": plain(m.existing_rows_count),
                "deleted_rows_count": plain(m.deleted_rows_count),
                # v3 row lineage: PyIceberg 0.12 reads lists and manifests with its v2
                # schema and drops it, so fastavro reads the stored values
                "first_row_id": plain(raw_list[len(out)].get("first_row_id")),
                "partitions": [
                    {
                        "contains_null": p.contains_null,
                        "contains_nan": p.contains_nan,
                        "lower_bound": plain(p.lower_bound),
                        "upper_bound": plain(p.upper_bound),
                    }
                    for p in (m.partitions or [])
                ],
                "entries": [
                    {
                        "status": plain(int(e.status)),
                        "snapshot_id": plain(e.snapshot_id),
                        "sequence_number": plain(e.sequence_number),
                        "file_sequence_number": plain(e.file_sequence_number),
                        "file_path": e.data_file.file_path,
                        "file_format": str(e.data_file.file_format.value),
                        "content": plain(int(e.data_file.content)),
                        "partition": plain(list(e.data_file.partition)),
                        "record_count": plain(e.data_file.record_count),
                        "file_size_in_bytes": plain(e.data_file.file_size_in_bytes),
                        "column_sizes": plain(e.data_file.column_sizes or {}),
                        "value_counts": plain(e.data_file.value_counts or {}),
                        "null_value_counts": plain(e.data_file.null_value_counts or {}),
                        "nan_value_counts": plain(e.data_file.nan_value_counts or {}),
                        "lower_bounds": plain(e.data_file.lower_bounds or {}),
                        "upper_bounds": plain(e.data_file.upper_bounds or {}),
                        "split_offsets": plain(e.data_file.split_offsets),
                        "sort_order_id": plain(e.data_file.sort_order_id),
                        "first_row_id": plain(raw["data_file"].get("first_row_id")),
                    }
                    for e, raw in zip(entries, raw_records(m.manifest_path))
                ],
            }
        )
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
