"""Captures REAL Debezium change records as test vectors for floe's envelope decoder.

Runs the Debezium PostgreSQL connector of the local stack (`scripts/services`'s
`connect`, Kafka Connect + Debezium 3.6.1) three times, once per value
encoding (JSON without schemas, JSON with the schema/payload envelope, Avro
through the registry with Apicurio's converter in Confluent wire format), over
one table, through the same sequence of changes: a snapshot of two rows, an
insert, an update, a primary-key change, a delete, a truncate, an insert after
the truncate. Each run registers its own connector, slot and publication and
removes them afterwards (connector, replication slot, publication, table).
The connector runs with Debezium's defaults (time.precision.mode adaptive), so
the table's date, timestamp, timestamp(3), time, time(3), timetz, timestamptz
and uuid columns come as Debezium's own semantic types (io.debezium.time.Date,
MicroTimestamp, Timestamp, MicroTime, Time, ZonedTime, ZonedTimestamp,
io.debezium.data.Uuid), named in each field's Connect schema.

Writes test/vectors/debezium/<variant>.json: the records in offset order (key
and value as base64, JSON text too when they are JSON) and, for Avro, the
registry schemas the records name, so the unit tests decode them offline.

Usage: eval "$(scripts/services env)"; $FLOE_READER_PYTHON test/interop/capture_debezium.py && npx biome format --write test/vectors/debezium
"""

import base64
import json
import os
import struct
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import psycopg2
from confluent_kafka import Consumer, TopicPartition

CONNECT = os.environ["FLOE_CONNECT_URL"]
BROKERS = os.environ["FLOE_KAFKA_BROKERS"]
REGISTRY = os.environ["FLOE_REGISTRY_URL"]  # .../apis/ccompat/v7
REGISTRY_V2 = REGISTRY.replace("/apis/ccompat/v7", "/apis/registry/v2")
PG = dict(host="127.0.0.1", port=int(os.environ.get("FLOE_PG_PORT", "15432")), user="floe", password="floe", dbname="floe")
OUT = Path(__file__).resolve().parent.parent / "vectors" / "debezium"

JSON_PLAIN = {
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "key.converter.schemas.enable": "false",
    "value.converter.schemas.enable": "false",
}
JSON_SCHEMAS = {**JSON_PLAIN, "key.converter.schemas.enable": "true", "value.converter.schemas.enable": "true"}


def apicurio(prefix: str) -> dict:
    settings = {
        "apicurio.registry.url": REGISTRY_V2,
        "apicurio.registry.auto-register": "true",
        "apicurio.registry.find-latest": "true",
        "apicurio.registry.as-confluent": "true",
        "apicurio.registry.use-id": "contentId",
        "apicurio.registry.headers.enabled": "false",
    }
    return {f"{prefix}.{k}": v for k, v in settings.items()}


AVRO = {
    "key.converter": "io.apicurio.registry.utils.converter.AvroConverter",
    "value.converter": "io.apicurio.registry.utils.converter.AvroConverter",
    **apicurio("key.converter"),
    **apicurio("value.converter"),
}

VARIANTS = {"json": JSON_PLAIN, "json-schemas": JSON_SCHEMAS, "avro": AVRO}

TABLE_DDL = """
create table public.{t} (
  id integer primary key,
  name text not null,
  price numeric(10,2),
  amount bigint,
  born date,
  updated_at timestamptz,
  version bigint not null,
  data bytea,
  ts timestamp,
  ts_ms timestamp(3),
  t time,
  t_ms time(3),
  tz timetz,
  uid uuid
)"""


def http(method: str, url: str, body: dict | None = None) -> tuple[int, str]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def sql(statements: list[str]) -> None:
    connection = psycopg2.connect(**PG)
    connection.autocommit = True
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    connection.close()


def wait_running(name: str) -> None:
    deadline = time.time() + 90
    while time.time() < deadline:
        status, text = http("GET", f"{CONNECT}/connectors/{name}/status")
        if status == 200:
            state = json.loads(text)
            tasks = state.get("tasks", [])
            if any(t["state"] == "FAILED" for t in tasks):
                raise SystemExit(f"connector {name} failed: {text}")
            if tasks and all(t["state"] == "RUNNING" for t in tasks):
                return
        time.sleep(1)
    raise SystemExit(f"connector {name} did not start: {text}")


def consume(topic: str, want: int, timeout_s: float) -> list[dict]:
    consumer = Consumer({"bootstrap.servers": BROKERS, "group.id": f"capture-{uuid.uuid4()}", "enable.auto.commit": False})
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        metadata = consumer.list_topics(topic, timeout=5)
        if topic in metadata.topics and metadata.topics[topic].error is None:
            break
        time.sleep(1)
    consumer.assign([TopicPartition(topic, 0, 0)])
    records = []
    while len(records) < want and time.time() < deadline:
        message = consumer.poll(1.0)
        if message is None or message.error():
            continue
        records.append(message)
    consumer.close()
    return records


def encode(raw: bytes | None, text: bool) -> dict:
    if raw is None:
        return {"base64": None}
    entry = {"base64": base64.b64encode(raw).decode()}
    if text:
        entry["text"] = raw.decode()
    return entry


def registry_schemas(records: list) -> dict:
    ids = set()
    for message in records:
        for raw in (message.key(), message.value()):
            if raw is not None and len(raw) >= 5 and raw[0] == 0:
                ids.add(struct.unpack(">I", raw[1:5])[0])
    schemas = {}
    for schema_id in sorted(ids):
        status, text = http("GET", f"{REGISTRY}/schemas/ids/{schema_id}")
        if status != 200:
            raise SystemExit(f"registry has no schema id {schema_id}: {status} {text}")
        schemas[str(schema_id)] = json.loads(text)
    return schemas


def capture(variant: str, converters: dict) -> None:
    tag = f"dbz{uuid.uuid4().hex[:8]}"
    table = f"floe_{tag}_items"
    name = f"floe-capture-{tag}"
    slot = f"{tag}_slot"
    sql([f"drop table if exists public.{table}", TABLE_DDL.format(t=table)])
    sql([
        f"insert into public.{table} values (1, 'one', 10.50, 9007199254740993, '2024-02-29', '2024-05-01T12:00:00.123456Z', 1, '\\x00ff', "
        "'2024-05-01 12:00:00.123456', '2024-05-01 12:00:00.123', '13:14:15.123456', '13:14:15.123', '13:14:15.5+02', "
        "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')",
        f"insert into public.{table} values (2, 'two', null, -1, null, null, 1, null, null, null, null, null, null, null)",
    ])
    config = {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "plugin.name": "pgoutput",
        "database.hostname": PG["host"],
        "database.port": str(PG["port"]),
        "database.user": PG["user"],
        "database.password": PG["password"],
        "database.dbname": PG["dbname"],
        "topic.prefix": tag,
        "table.include.list": f"public.{table}",
        "slot.name": slot,
        "publication.name": f"{tag}_pub",
        "publication.autocreate.mode": "filtered",
        "snapshot.mode": "initial",
        "skipped.operations": "none",
        "topic.creation.default.replication.factor": "1",
        "topic.creation.default.partitions": "1",
        **converters,
    }
    status, text = http("POST", f"{CONNECT}/connectors", {"name": name, "config": config})
    if status >= 300:
        raise SystemExit(f"registering {name}: {status} {text}")
    topic = f"{tag}.public.{table}"
    try:
        wait_running(name)
        # snapshot records (r) first, then the streamed changes
        snapshot = consume(topic, 2, 60)
        if len(snapshot) < 2:
            raise SystemExit(f"{variant}: the snapshot of {topic} did not arrive")
        sql([
            f"insert into public.{table} values (3, 'three', 3.25, 3, '1969-12-31', '1960-01-01T00:00:00Z', 1, '\\xdeadbeef', "
            "'1960-01-01 00:00:00.000001', '1969-12-31 23:59:59.999', '00:00:00', '00:00:00', '00:00:00Z', "
            "'00000000-0000-0000-0000-000000000000')",
            f"update public.{table} set name = 'three b', version = 2 where id = 3",
            f"update public.{table} set id = 4, version = 3 where id = 3",
            f"delete from public.{table} where id = 2",
            f"truncate public.{table}",
            f"insert into public.{table} values (5, 'five', 0.01, 5, '2000-01-01', '2000-01-01T00:00:00Z', 7, '', "
            "'2000-01-01 00:00:00', '2000-01-01 00:00:00', '23:59:59.999999', '23:59:59.999', '23:59:59.999999-05:30', "
            "'ffffffff-ffff-ffff-ffff-ffffffffffff')",
        ])
        # r r, c, u, (d + tombstone + c for the key change), d + tombstone, t, c
        records = consume(topic, 11, 60)
    finally:
        http("DELETE", f"{CONNECT}/connectors/{name}")
        time.sleep(2)
        sql([
            f"select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '{slot}'",
            f"drop publication if exists {tag}_pub",
            f"drop table if exists public.{table}",
        ])
    text = variant != "avro"
    vector = {
        "variant": variant,
        "debezium": "3.6.1.Final",
        "topic": topic,
        "converters": {k: v for k, v in converters.items() if "url" not in k},
        "records": [
            {
                "partition": m.partition(),
                "offset": m.offset(),
                "key": encode(m.key(), text),
                "value": encode(m.value(), text),
            }
            for m in records
        ],
    }
    if variant == "avro":
        vector["schemas"] = registry_schemas(records)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{variant}.json"
    path.write_text(json.dumps(vector, indent=1) + "\n")
    print(f"{variant}: {len(records)} records of {topic} -> {path}")


def main() -> None:
    variants = sys.argv[1:] or list(VARIANTS)
    for variant in variants:
        capture(variant, VARIANTS[variant])


if __name__ == "__main__":
    main()
