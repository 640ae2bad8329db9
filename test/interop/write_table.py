#!/usr/bin/env python3
"""Creates a table with PyIceberg and appends rows to it, for floe's reverse interop test.

  write_table.py <catalog options as read_table.py> create-append NS.NAME --rows N [--start K]
  write_table.py <catalog options as read_table.py> append-expire NS.NAME --rows N [--start K]

append-expire plays another engine's maintenance on an existing table: it appends
rows id=K..K+N-1 (every other column null), then expires every snapshot but the
new one.

Schema: id long (required), name string, ts timestamptz, amount decimal(10,2); partitioned by day(ts).
Row i: id=i, name="py-<i>", ts=2024-05-01T00:00Z + i hours, amount=i.25
"""
import argparse
import datetime
import os
import decimal
import sys

import pyarrow as pa
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.transforms import DayTransform
from pyiceberg.types import DecimalType, LongType, NestedField, StringType, TimestamptzType

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from catalog_args import add_catalog_args, catalog_from  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_catalog_args(p)
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--start", type=int, default=0)
    p.add_argument("command", choices=["create-append", "append-expire"])
    p.add_argument("table")
    args = p.parse_args()
    catalog = catalog_from(args)
    rows, start = args.rows, args.start
    if args.command == "append-expire":
        append_expire(catalog.load_table(args.table), rows, start)
        return
    ns, name = args.table.rsplit(".", 1)
    schema = Schema(
        NestedField(1, "id", LongType(), required=True),
        NestedField(2, "name", StringType(), required=False),
        NestedField(3, "ts", TimestamptzType(), required=False),
        NestedField(4, "amount", DecimalType(10, 2), required=False),
    )
    spec = PartitionSpec(PartitionField(source_id=3, field_id=1000, transform=DayTransform(), name="ts_day"))
    catalog.create_namespace_if_not_exists(ns)
    table = catalog.create_table(args.table, schema=schema, partition_spec=spec)
    base = datetime.datetime(2024, 5, 1, tzinfo=datetime.timezone.utc)
    ids = list(range(start, start + rows))
    data = pa.table({
        "id": pa.array(ids, pa.int64()),
        "name": pa.array([f"py-{i}" for i in ids], pa.string()),
        "ts": pa.array([base + datetime.timedelta(hours=i) for i in ids], pa.timestamp("us", tz="UTC")),
        "amount": pa.array([decimal.Decimal(f"{i}.25") for i in ids], pa.decimal128(10, 2)),
    }, schema=schema.as_arrow())
    table.append(data)
    print(f"created {args.table} with {rows} rows")


def append_expire(table, rows, start):
    arrow = table.schema().as_arrow()
    ids = list(range(start, start + rows))
    columns = {f.name: pa.nulls(rows, f.type) for f in arrow}
    columns["id"] = pa.array(ids, arrow.field("id").type)
    table.append(pa.table(columns, schema=arrow))
    table = table.refresh()
    current = table.current_snapshot().snapshot_id
    older = [s.snapshot_id for s in table.snapshots() if s.snapshot_id != current]
    table.maintenance.expire_snapshots().by_ids(older).commit()
    print(f"appended {rows} rows to {table.name()} and expired {len(older)} snapshots")


if __name__ == "__main__":
    main()
