"""Captures REAL Debezium change records of a table keyed by temporal and uuid columns.

A Postgres table whose primary key is a date, timestamp, timestamp(3), time,
time(3), timestamptz and uuid column, one row, captured by the stack's Kafka
Connect + Debezium 3.6.1 PostgreSQL connector with its defaults
(time.precision.mode adaptive) as JSON with schemas and as Avro through the
registry (Apicurio's converter, Confluent wire format): the Kafka key carries
the key columns with Debezium's semantic type names (io.debezium.time.Date,
MicroTimestamp, Timestamp, MicroTime, Time, ZonedTimestamp,
io.debezium.data.Uuid), as the value's row does. Uses capture_debezium.py's
helpers; each run registers its own connector, slot and publication and removes
them afterwards.

Writes test/vectors/debezium/temporal-key-<variant>.json (the snapshot record;
for Avro the registry schemas), read by test/unit/codec/debezium-key-semantics.test.ts.

Usage: eval "$(scripts/services env)"; $FLOE_READER_PYTHON test/interop/capture_debezium_temporal_key.py && npx biome format --write test/vectors/debezium
"""

import json
import sys
import time
import uuid

import capture_debezium as cd

DDL = """create table public.{t} (
  born date, ts timestamp, ts_ms timestamp(3), t time, t_ms time(3), updated_at timestamptz, uid uuid,
  name text not null,
  primary key (born, ts, ts_ms, t, t_ms, updated_at, uid)
)"""

ROW = (
    "'2024-02-29', '2024-05-01 12:00:00.123456', '2024-05-01 12:00:00.123', '13:14:15.123456', "
    "'13:14:15.123', '2024-05-01T12:00:00.123456+02:00', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'one'"
)


def capture(variant: str) -> None:
    tag = f"dbk{uuid.uuid4().hex[:8]}"
    table = f"floe_{tag}_keys"
    name = f"floe-capture-{tag}"
    slot = f"{tag}_slot"
    cd.sql([f"drop table if exists public.{table}", DDL.format(t=table), f"insert into public.{table} values ({ROW})"])
    config = {
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "plugin.name": "pgoutput",
        "database.hostname": cd.PG["host"],
        "database.port": str(cd.PG["port"]),
        "database.user": cd.PG["user"],
        "database.password": cd.PG["password"],
        "database.dbname": cd.PG["dbname"],
        "topic.prefix": tag,
        "table.include.list": f"public.{table}",
        "slot.name": slot,
        "publication.name": f"{tag}_pub",
        "publication.autocreate.mode": "filtered",
        "snapshot.mode": "initial",
        "topic.creation.default.replication.factor": "1",
        "topic.creation.default.partitions": "1",
        **cd.VARIANTS[variant],
    }
    status, text = cd.http("POST", f"{cd.CONNECT}/connectors", {"name": name, "config": config})
    if status >= 300:
        raise SystemExit(f"registering {name}: {status} {text}")
    topic = f"{tag}.public.{table}"
    try:
        cd.wait_running(name)
        records = cd.consume(topic, 1, 90)
        if len(records) < 1:
            raise SystemExit(f"{variant}: the snapshot of {topic} did not arrive")
    finally:
        cd.http("DELETE", f"{cd.CONNECT}/connectors/{name}")
        time.sleep(2)
        cd.sql([
            f"select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = '{slot}'",
            f"drop publication if exists {tag}_pub",
            f"drop table if exists public.{table}",
        ])
    text = variant != "avro"
    vector = {
        "variant": f"temporal-key-{variant}",
        "debezium": "3.6.1.Final",
        "topic": topic,
        "converters": {k: v for k, v in cd.VARIANTS[variant].items() if "url" not in k},
        "records": [
            {"partition": m.partition(), "offset": m.offset(), "key": cd.encode(m.key(), text), "value": cd.encode(m.value(), text)}
            for m in records
        ],
    }
    if variant == "avro":
        vector["schemas"] = cd.registry_schemas(records)
    path = cd.OUT / f"temporal-key-{variant}.json"
    path.write_text(json.dumps(vector, indent=1) + "\n")
    print(f"{variant}: {len(records)} records of {topic} -> {path}")


def main() -> None:
    for variant in sys.argv[1:] or ["json-schemas", "avro"]:
        capture(variant)


if __name__ == "__main__":
    main()
