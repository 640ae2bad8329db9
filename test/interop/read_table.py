#!/usr/bin/env python3
"""Independent reader for floe's tests: PyIceberg + PyArrow.

Prints JSON lines, each with a "type":
  namespaces            {"type": "namespace", "name": [...]}
  table NS.NAME         {"type": "schema", ...fields with ids...}
                        {"type": "snapshot", "snapshot_id", "parent_id", "sequence_number", "summary"}
                        {"type": "row", "row": {...}}  (unless --no-rows)
                        {"type": "scan", "filter", "files"}  (with --filter EXPR, the planned file count)
  --canonical table NS.NAME [NS.NAME ...]
                        "NS.NAME<TAB>{canonical row JSON}" per row, the form of canonical.py
                        that read_spark.py and read_duckdb.py print too (nothing else)

Catalogs:
  --catalog rest --uri http://...            (S3 settings from --s3-* options)
  --catalog sql  --uri sqlite:////abs/x.db | postgresql+psycopg2://...  --warehouse file:///abs/dir
"""
import argparse
import base64
import datetime
import decimal
import json
import sys
import uuid

import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from canonical import canonical, emit_row, row_line  # noqa: E402
from catalog_args import add_catalog_args, catalog_from  # noqa: E402
from pyiceberg.schema import index_by_id  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_catalog_args(p)
    p.add_argument("--no-rows", action="store_true")
    p.add_argument("--filter", help="a PyIceberg row filter; prints the number of files the scan plans")
    p.add_argument("--canonical", action="store_true", help="only the rows, in canonical form; several tables")
    p.add_argument("command", choices=["namespaces", "table"])
    p.add_argument("tables", nargs="*", metavar="table")
    return p.parse_args()


def plain(value):
    """JSON-friendly form of a PyArrow value (floe's tests compare on these)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        # PyArrow returns maps as lists of (key, value) tuples.
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            return {"__map__": [[plain(k), plain(v)] for k, v in value]}
        return [plain(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return "NaN"
    return value


def field_json(field):
    out = {"id": field.field_id, "name": field.name, "required": field.required, "type": str(field.field_type)}
    return out


def emit_canonical_rows(table, name):
    for row in table.scan().to_arrow().to_pylist():
        emit_row(sys.stdout, name, row_line(canonical(row)))


def emit(obj):
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")


def main():
    args = parse_args()
    catalog = catalog_from(args)
    if args.command == "namespaces":
        for ns in catalog.list_namespaces():
            emit({"type": "namespace", "name": list(ns)})
        return
    if args.canonical:
        for name in args.tables:
            emit_canonical_rows(catalog.load_table(name), name)
        return
    if len(args.tables) != 1:
        sys.exit("read_table.py: 'table' needs one NAMESPACE.NAME (several only with --canonical)")
    table = catalog.load_table(args.tables[0])
    schema = table.schema()
    emit({
        "type": "schema",
        "schema_id": schema.schema_id,
        "fields": [field_json(f) for f in schema.fields],
        "all_fields": [[fid, f.name, f.required, str(f.field_type)] for fid, f in sorted(index_by_id(schema).items())],
        "schema_string": str(schema),
        "partition_spec": str(table.spec()),
    })
    for snap in table.snapshots():
        emit({
            "type": "snapshot",
            "snapshot_id": str(snap.snapshot_id),
            "parent_id": None if snap.parent_snapshot_id is None else str(snap.parent_snapshot_id),
            "sequence_number": snap.sequence_number,
            "summary": {k: v for k, v in snap.summary.additional_properties.items()} | {"operation": str(snap.summary.operation.value)},
        })
    if args.filter:
        tasks = list(table.scan(row_filter=args.filter).plan_files())
        emit({"type": "scan", "filter": args.filter, "files": len(tasks),
              "all_files": len(list(table.scan().plan_files()))})
    if not args.no_rows:
        for row in table.scan().to_arrow().to_pylist():
            emit({"type": "row", "row": plain(row)})


if __name__ == "__main__":
    main()
