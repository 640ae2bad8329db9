#!/usr/bin/env python3
"""Independent Protobuf producer for floe's tests: the official Confluent client.

Writes one version of a test schema (.proto files), compiles it with protoc
(grpcio-tools), and produces records with confluent-kafka's ProtobufSerializer,
which registers the schema (and its import, as a schema reference) in the schema
registry under <topic>-value and writes the Confluent wire format. One version per
process: Python's descriptor pool holds one definition of a message name.

  produce_protobuf.py --bootstrap H:P --registry URL --topic T --package P
                      --version 1|2|3 --records N --first-id K

Versions (each adds to the one before):
  1  Order: scalars, enum, nested message Customer { email }, repeated, map,
     an imported message (Money, in <package>/common.proto), repeated nested Line
  2  Customer gains `phone` (a field added inside a nested message)
  3  Order gains a oneof payment { card | cash }, a Timestamp, a Duration, an
     Int32Value wrapper and a proto3 `optional` string

Prints, for every record produced, one line of JSON: the row the table must hold
for it once all three versions are in (columns of later versions null), in the
canonical form of test/interop/canonical.py (timestamps UTC ISO with six digits
and "Z", decimals as strings, bytes as 0x-hex, maps as sorted [key, value] pairs),
following floe's documented mapping (docs/configuration.md, "Protobuf").
"""
import argparse
import datetime
import importlib
import json
import os
import sys
import tempfile

from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from grpc_tools import protoc

COMMON = """syntax = "proto3";
package {package};
message Money {{ string currency = 1; int64 units = 2; }}
"""

ORDER = """syntax = "proto3";
package {package};
{v3_imports}import "{package}/common.proto";

enum Status {{ STATUS_UNKNOWN = 0; NEW = 1; PAID = 2; }}

message Order {{
  int64 id = 1;
  string name = 2;
  Status status = 3;
  Customer customer = 4;
  repeated string tags = 5;
  map<string, int32> counts = 6;
  Money total = 7;
  repeated Line lines = 8;
  double ratio = 15;
  bytes blob = 16;
  uint64 big = 17;
{v3_fields}
  message Customer {{
    string email = 1;
{v2_customer}  }}
  message Line {{ string sku = 1; int32 qty = 2; }}
}}
"""

V2_CUSTOMER = "    string phone = 2;\n"
V3_IMPORTS = """import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";
"""
V3_FIELDS = """  oneof payment {
    string card = 9;
    Money cash = 10;
  }
  google.protobuf.Timestamp at = 11;
  google.protobuf.Int32Value maybe = 12;
  google.protobuf.Duration took = 13;
  optional string note = 14;
"""

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--registry", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--package", required=True, help="proto package and folder, unique per test run")
    p.add_argument("--version", type=int, choices=[1, 2, 3], required=True)
    p.add_argument("--records", type=int, required=True)
    p.add_argument("--first-id", type=int, required=True)
    return p.parse_args()


def compile_schema(package, version):
    """Writes and compiles the version's .proto files; returns the generated order module."""
    work = tempfile.mkdtemp(prefix="floe-proto-")
    src = os.path.join(work, "src")
    out = os.path.join(work, "gen")
    os.makedirs(os.path.join(src, package))
    os.makedirs(out)
    files = {
        "common.proto": COMMON.format(package=package),
        "order.proto": ORDER.format(
            package=package,
            v2_customer=V2_CUSTOMER if version >= 2 else "",
            v3_fields=V3_FIELDS if version >= 3 else "",
            v3_imports=V3_IMPORTS if version >= 3 else "",
        ),
    }
    for name, text in files.items():
        with open(os.path.join(src, package, name), "w") as f:
            f.write(text)
    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    args = ["protoc", f"-I{src}", f"-I{include}", f"--python_out={out}"]
    args += [os.path.join(src, package, name) for name in files]
    if protoc.main(args) != 0:
        raise SystemExit(f"protoc failed for version {version}")
    sys.path.insert(0, out)
    return importlib.import_module(f"{package}.order_pb2")


def timestamp(micros):
    return (EPOCH + datetime.timedelta(microseconds=micros)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build(pb, version, i):
    """The i-th record of a version: the message, and the row the table must hold for it."""
    order = pb.Order(id=i, name=f"order {i} ✓", status=i % 3, ratio=i / 8, blob=bytes([i % 256, 255]))
    order.big = 2**64 - 1 - i if i % 5 == 0 else i
    row = {
        "id": i,
        "name": f"order {i} ✓",
        "status": ["STATUS_UNKNOWN", "NEW", "PAID"][i % 3],
        "customer": None,
        "tags": [f"t{j}" for j in range(i % 4)],
        "counts": sorted([[f"k{j}", j - i] for j in range(i % 3)], key=lambda kv: json.dumps(kv[0])),
        "total": None,
        "lines": [{"sku": f"s{i}-{j}", "qty": j} for j in range(i % 3)],
        "ratio": i / 8,
        "blob": "0x" + bytes([i % 256, 255]).hex(),
        "big": str(order.big),
        "payment": None,
        "at": None,
        "maybe": None,
        "took": None,
        "note": None,
    }
    if i % 7 != 0:
        order.customer.email = f"c{i}@example.com"
        row["customer"] = {"email": f"c{i}@example.com", "phone": None}
        if version >= 2:
            order.customer.phone = "" if i % 2 else f"+33 {i}"
            row["customer"]["phone"] = order.customer.phone
    order.tags.extend(row["tags"])
    for key, value in row["counts"]:
        order.counts[key] = value
    if i % 4 != 1:
        order.total.currency = "EUR"
        order.total.units = -i * 1000
        row["total"] = {"currency": "EUR", "units": -i * 1000}
    for line in row["lines"]:
        order.lines.add(sku=line["sku"], qty=line["qty"])
    if version >= 3:
        if i % 3 == 0:
            order.card = f"card-{i}"
            row["payment"] = {"tag": 9, "card": f"card-{i}", "cash": None}
        elif i % 3 == 1:
            order.cash.currency = "USD"
            order.cash.units = i
            row["payment"] = {"tag": 10, "card": None, "cash": {"currency": "USD", "units": i}}
        if i % 5 != 4:
            seconds, nanos = 1_700_000_000 + i * 3_600, (i * 1_234_567) % 1_000_000_000
            order.at.seconds, order.at.nanos = seconds, nanos
            row["at"] = timestamp(seconds * 1_000_000 + nanos // 1000)
        if i % 2 == 0:
            order.maybe.value = i % 3  # 0 too: a present wrapper holds its value
            row["maybe"] = i % 3
        sign = -1 if i % 2 else 1
        order.took.seconds, order.took.nanos = sign * i, sign * 1_500
        row["took"] = sign * i * 1_000_000 + (sign * 1_500) // 1000
        if i % 4 == 0:
            order.note = "" if i % 8 == 0 else f"note {i}"
            row["note"] = order.note
    return order, row


def main():
    args = parse_args()
    pb = compile_schema(args.package, args.version)
    registry = SchemaRegistryClient({"url": args.registry})
    serializer = ProtobufSerializer(pb.Order, registry, {"use.deprecated.format": False})
    producer = Producer({"bootstrap.servers": args.bootstrap, "linger.ms": 5})
    context = SerializationContext(args.topic, MessageField.VALUE)
    failures = []
    for i in range(args.first_id, args.first_id + args.records):
        order, row = build(pb, args.version, i)
        producer.produce(
            args.topic,
            key=str(i).encode(),
            value=serializer(order, context),
            on_delivery=lambda err, _msg: err and failures.append(err),
        )
        print(json.dumps(row, sort_keys=True, ensure_ascii=False))
    left = producer.flush(30)
    if left:
        raise SystemExit(f"{left} records still undelivered after 30 s")
    if failures:
        raise SystemExit(f"{len(failures)} records were not delivered: {failures[0]}")


if __name__ == "__main__":
    main()
