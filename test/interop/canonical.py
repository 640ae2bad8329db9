"""The canonical row form shared by the three readers (read_table.py --canonical,
read_spark.py, read_duckdb.py): the same table read by PyIceberg, Spark and DuckDB
prints the same lines, whatever Python types each reader hands out.

Each row becomes one line of compact JSON with sorted keys:
  timestamps      UTC ISO with six fraction digits, "Z" when the value has a zone
                  ("2024-03-01T00:00:00.000001Z"; without a zone: no "Z")
  dates, times    ISO ("2024-03-01", "12:00:00.000000")
  decimals        strings in plain notation with the type's scale ("-12.30")
  bytes, fixed    "0x" + lowercase hex
  uuid            lowercase 8-4-4-4-12 string (Spark reads uuid as string)
  maps            [[key, value], ...] sorted by the key's canonical JSON
  structs         objects by field name; lists stay lists
  floats          NaN / Infinity / -Infinity as strings, others as JSON numbers
Every reader hands its rows over as a PyArrow table (PyIceberg's to_arrow, Spark's
toArrow, DuckDB's to_arrow_table), so the Python types are PyArrow's: maps as
lists of (key, value) tuples, zoned timestamps as aware datetimes, uuids as UUID.
"""
import datetime
import decimal
import json
import math
import uuid

_UTC = datetime.timezone.utc


def _timestamp(value):
    if value.tzinfo is None:
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return value.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _map_pairs(pairs):
    out = [[canonical(k), canonical(v)] for k, v in pairs]
    out.sort(key=lambda kv: json.dumps(kv[0], sort_keys=True))
    return out


def canonical(value):
    """The canonical form of one value as a JSON-ready Python object."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "0x" + bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime.datetime):
        return _timestamp(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S.%f")
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        # PyArrow hands maps out as lists of (key, value) tuples; lists stay lists.
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            return _map_pairs(value)
        return [canonical(v) for v in value]
    raise TypeError(f"canonical form: no rule for {type(value).__name__} {value!r}")


def row_line(row):
    """One row (a dict of column name -> value, already canonical) as its line."""
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def emit_row(out, table, line):
    """The line every reader prints per row: the table's name, a tab, the row's canonical JSON."""
    out.write(f"{table}\t{line}\n")
