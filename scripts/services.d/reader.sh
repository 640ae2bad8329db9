# The independent reader: PyIceberg + PyArrow in a virtualenv (test/interop).
PYICEBERG_VERSION=0.12.0
PYICEBERG_CORE_VERSION=0.11.0   # Rust transforms (bucket, day) for PyIceberg writes
READER_VENV="$FLOE_CACHE/reader-venv"

reader_provision() {
  local stamp="$READER_VENV/.ready-$PYICEBERG_VERSION-$PYICEBERG_CORE_VERSION"
  [[ -f "$stamp" ]] && return 0
  say "creating the PyIceberg $PYICEBERG_VERSION reader virtualenv"
  rm -rf "$READER_VENV"
  python3 -m venv "$READER_VENV" || return 1
  "$READER_VENV/bin/pip" install -q "pyiceberg[pyarrow,sql-sqlite,sql-postgres]==$PYICEBERG_VERSION" \
    "pyiceberg-core==$PYICEBERG_CORE_VERSION" >&2 \
    && touch "$stamp"
}
