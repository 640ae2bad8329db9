# The independent readers and producers of the tests (test/interop), one virtualenv:
#   PyIceberg + PyArrow;
#   pyspark with the Iceberg Spark runtime, S3FileIO and the SQL catalogs' JDBC drivers
#     (jars from Maven Central, scripts/maven/spark-reader, in <venv>/spark-jars);
#   DuckDB with its iceberg, avro and httpfs extensions from their PyPI wheels (no
#     download at run time);
#   confluent-kafka with its Avro/Protobuf/registry serializers and grpcio-tools (protoc),
#     an official client to produce test records.
# A matching set: change versions together (../shared/ENVIRONMENT.md, "Independent readers").
PYICEBERG_VERSION=0.12.0
PYICEBERG_CORE_VERSION=0.11.0   # Rust transforms (bucket, day) for PyIceberg writes
PYARROW_VERSION=26.0.1
PYSPARK_VERSION=4.1.4           # Spark 4.1: the newest with an Iceberg 1.12 runtime
DUCKDB_VERSION=1.5.5            # the extension wheels must carry the same version
CONFLUENT_KAFKA_VERSION=2.16.1
GRPCIO_TOOLS_VERSION=1.85.4
READER_REV=2                    # bump when anything above or the pom changes: caches rebuild
# A stable path (what FLOE_READER_PYTHON and the tests use): a symlink to the
# current revision's folder, switched only once that folder is complete, so tests
# running during a rebuild keep the previous venv.
READER_VENV="$FLOE_CACHE/reader-venv"

reader_provision() {
  local name="reader-venv-r$READER_REV"
  local dir="$FLOE_CACHE/$name"
  if [[ ! -f "$dir/.ready" ]]; then
    say "creating the reader virtualenv r$READER_REV: PyIceberg $PYICEBERG_VERSION, pyspark $PYSPARK_VERSION, DuckDB $DUCKDB_VERSION, confluent-kafka $CONFLUENT_KAFKA_VERSION"
    rm -rf "$dir"
    python3 -m venv "$dir" || return 1
    "$dir/bin/pip" install -q --disable-pip-version-check \
      "pyiceberg[pyarrow,sql-sqlite,sql-postgres]==$PYICEBERG_VERSION" \
      "pyiceberg-core==$PYICEBERG_CORE_VERSION" "pyarrow==$PYARROW_VERSION" \
      "pyspark==$PYSPARK_VERSION" \
      "duckdb==$DUCKDB_VERSION" "duckdb-extension-iceberg==$DUCKDB_VERSION" \
      "duckdb-extension-avro==$DUCKDB_VERSION" "duckdb-extension-httpfs==$DUCKDB_VERSION" pytz \
      "confluent-kafka[avro,protobuf,schemaregistry]==$CONFLUENT_KAFKA_VERSION" \
      "grpcio-tools==$GRPCIO_TOOLS_VERSION" >&2 || return 1
    say "fetching the Spark reader's jars (Iceberg Spark runtime, S3, JDBC) from Maven Central"
    maven_fetch "$FLOE_ROOT/scripts/maven/spark-reader" "$dir/spark-jars" || return 1
    "$dir/bin/python" -c 'import pyiceberg, pyspark, duckdb, confluent_kafka.schema_registry.protobuf, grpc_tools.protoc' >&2 \
      || return 1
    touch "$dir/.ready"
  fi
  [[ "$(readlink "$READER_VENV" 2>/dev/null)" == "$name" ]] && return 0
  # The venv of an older script was a folder at the stable path: move it aside first.
  if [[ -e "$READER_VENV" && ! -L "$READER_VENV" ]]; then mv "$READER_VENV" "$FLOE_CACHE/reader-venv-old"; fi
  ln -sfn "$name" "$READER_VENV.new" && mv -T "$READER_VENV.new" "$READER_VENV" || return 1
  say "reader virtualenv r$READER_REV in use ($READER_VENV -> $name)"
  local old
  for old in "$FLOE_CACHE"/reader-venv-old "$FLOE_CACHE"/reader-venv-r*; do
    [[ "$old" == "$dir" || ! -d "$old" ]] || rm -rf "$old"
  done
}
