#!/usr/bin/env python3
"""Independent Parquet reader for floe's parquet/ unit tests (PyArrow, optionally PyIceberg).

usage: read_parquet.py FILE [--iceberg-schema SCHEMA.json]

Prints one JSON object:
  arrow_schema   [{name, field_id, type, nullable, children}]  (field ids from PARQUET:field_id)
  columns        [{path, physical_type, logical_type, field_id}] one per Parquet leaf
  row_groups     [{num_rows, columns: [{path, num_values, null_count, total_compressed_size}]}]
  rows           the rows read by PyArrow, values normalized (below)
  iceberg_rows   with --iceberg-schema: the rows PyIceberg's ArrowScan reads when projecting that
                 Iceberg schema (JSON, spec form) onto the file, normalized the same way

Normalized values: integers (and date/time/timestamp ticks, decimal unscaled values) are decimal
strings, floats are JSON numbers or "NaN"/"Infinity"/"-Infinity", bytes/fixed/uuid are lower-case
hex, maps are [[key, value], ...], structs are objects.
"""
import argparse
import json
import math
import uuid

import pyarrow as pa
import pyarrow.parquet as pq

FIELD_ID = b"PARQUET:field_id"


def describe_field(field):
    md = field.metadata or {}
    t = field.type
    if pa.types.is_struct(t):
        children = [describe_field(t.field(i)) for i in range(t.num_fields)]
    elif pa.types.is_map(t):
        children = [describe_field(t.key_field), describe_field(t.item_field)]
    elif pa.types.is_list(t) or pa.types.is_large_list(t):
        children = [describe_field(t.value_field)]
    else:
        children = []
    return {
        "name": field.name,
        "field_id": int(md[FIELD_ID]) if FIELD_ID in md else None,
        "type": str(t),
        "nullable": field.nullable,
        "children": children,
    }


def ticks_type(t):
    """The type with temporal leaves replaced by their integer ticks, or None when unchanged."""
    if pa.types.is_timestamp(t) or pa.types.is_time64(t):
        return pa.int64()
    if pa.types.is_date32(t):
        return pa.int32()
    if pa.types.is_struct(t):
        fields = [t.field(i) for i in range(t.num_fields)]
        changed = [ticks_type(f.type) for f in fields]
        if all(c is None for c in changed):
            return None
        return pa.struct([f.with_type(c) if c is not None else f for f, c in zip(fields, changed)])
    if pa.types.is_map(t):
        k, v = ticks_type(t.key_type), ticks_type(t.item_type)
        if k is None and v is None:
            return None
        return pa.map_(
            t.key_field.with_type(k or t.key_type), t.item_field.with_type(v or t.item_type)
        )
    if pa.types.is_list(t):
        v = ticks_type(t.value_type)
        return None if v is None else pa.list_(t.value_field.with_type(v))
    return None


def normalize(value, t):
    if value is None:
        return None
    if pa.types.is_struct(t):
        return {t.field(i).name: normalize(value[t.field(i).name], t.field(i).type) for i in range(t.num_fields)}
    if pa.types.is_map(t):
        return [[normalize(k, t.key_type), normalize(v, t.item_type)] for k, v in value]
    if pa.types.is_list(t):
        return [normalize(v, t.value_type) for v in value]
    if pa.types.is_decimal(t):
        sign, digits, exponent = value.as_tuple()
        unscaled = int("".join(map(str, digits)) or "0") * 10 ** (exponent + t.scale)
        return str(-unscaled if sign else unscaled)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    return value


def normalize_table(table):
    columns = {}
    for i, field in enumerate(table.schema):
        col = table.column(i)
        target = ticks_type(field.type)
        if target is not None:
            col = col.cast(target)
        columns[field.name] = [normalize(v, col.type) for v in col.to_pylist()]
    return [{name: values[r] for name, values in columns.items()} for r in range(table.num_rows)]


def read_with_pyiceberg(path, schema_path, num_rows, size):
    from pyiceberg.expressions import AlwaysTrue
    from pyiceberg.io.pyarrow import ArrowScan, PyArrowFileIO
    from pyiceberg.manifest import DataFile, DataFileContent, FileFormat
    from pyiceberg.table import FileScanTask
    from pyiceberg.table.metadata import TableMetadataV2
    from pyiceberg.typedef import Record

    with open(schema_path) as f:
        schema_json = json.load(f)
    metadata = TableMetadataV2.model_validate(
        {
            "format-version": 2,
            "table-uuid": "00000000-0000-0000-0000-000000000001",
            "location": "file:///tmp/floe-parquet-interop",
            "last-sequence-number": 0,
            "last-updated-ms": 0,
            "last-column-id": max_field_id(schema_json),
            "schemas": [schema_json],
            "current-schema-id": schema_json.get("schema-id", 0),
            "partition-specs": [{"spec-id": 0, "fields": []}],
            "default-spec-id": 0,
            "last-partition-id": 999,
            "sort-orders": [{"order-id": 0, "fields": []}],
            "default-sort-order-id": 0,
        }
    )
    data_file = DataFile.from_args(
        content=DataFileContent.DATA,
        file_path=path,
        file_format=FileFormat.PARQUET,
        partition=Record(),
        record_count=num_rows,
        file_size_in_bytes=size,
    )
    data_file.spec_id = 0
    scan = ArrowScan(metadata, PyArrowFileIO(), metadata.schema(), AlwaysTrue())
    return normalize_table(scan.to_table([FileScanTask(data_file)]))


def max_field_id(node):
    best = 0
    if isinstance(node, dict):
        for key in ("id", "element-id", "key-id", "value-id"):
            if isinstance(node.get(key), int):
                best = max(best, node[key])
        for v in node.values():
            best = max(best, max_field_id(v))
    elif isinstance(node, list):
        for v in node:
            best = max(best, max_field_id(v))
    return best


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file")
    p.add_argument("--iceberg-schema")
    args = p.parse_args()

    pf = pq.ParquetFile(args.file)
    arrow_schema = pf.schema_arrow
    leaf_ids = leaf_field_ids(pf.schema)
    out = {
        "arrow_schema": [describe_field(f) for f in arrow_schema],
        "columns": [
            {
                "path": pf.schema.column(i).path,
                "physical_type": pf.schema.column(i).physical_type,
                "logical_type": json.loads(pf.schema.column(i).logical_type.to_json()),
                "field_id": leaf_ids[i],
            }
            for i in range(len(pf.schema))
        ],
        "row_groups": [],
        "rows": normalize_table(pf.read()),
    }
    md = pf.metadata
    for g in range(md.num_row_groups):
        rg = md.row_group(g)
        cols = []
        for c in range(rg.num_columns):
            col = rg.column(c)
            stats = col.statistics
            cols.append(
                {
                    "path": col.path_in_schema,
                    "num_values": col.num_values,
                    "null_count": stats.null_count if stats is not None and stats.has_null_count else None,
                    "total_compressed_size": col.total_compressed_size,
                    "compression": col.compression,
                }
            )
        out["row_groups"].append({"num_rows": rg.num_rows, "columns": cols})
    if args.iceberg_schema:
        import os

        out["iceberg_rows"] = read_with_pyiceberg(
            os.path.abspath(args.file), args.iceberg_schema, md.num_rows, os.path.getsize(args.file)
        )
    print(json.dumps(out))


def leaf_field_ids(schema):
    """Field ids of the Parquet leaves in order, parsed from the schema dump ("... field_id=N name")."""
    ids = []
    for line in str(schema).splitlines()[1:]:
        words = line.strip().split()
        if len(words) < 3 or words[0] not in ("required", "optional", "repeated") or words[1] == "group":
            continue
        ids.append(next((int(w[len("field_id="):]) for w in words if w.startswith("field_id=")), None))
    return ids


if __name__ == "__main__":
    main()
