# Apache Iceberg REST catalog reference server (iceberg-open-api's runnable jar)
# plus iceberg-aws-bundle for S3FileIO. JDBC metadata in SQLite, warehouse on S3.
ICEBERG_REST_VERSION=1.10.1
ICEBERG_REST_HOME="$FLOE_CACHE/iceberg-rest-$ICEBERG_REST_VERSION"

iceberg_rest_provision() {
  [[ -f "$ICEBERG_REST_HOME/.ready" ]] && return 0
  say "fetching Iceberg REST catalog $ICEBERG_REST_VERSION jars from Maven Central"
  rm -rf "$ICEBERG_REST_HOME"
  maven_fetch "$FLOE_ROOT/scripts/maven/iceberg-rest" "$ICEBERG_REST_HOME/jars" \
    && touch "$ICEBERG_REST_HOME/.ready"
}

iceberg_rest_start() {
  local dir="$FLOE_STATE/iceberg-rest"
  mkdir -p "$dir"
  # CATALOG_<KEY>: '__' becomes '-', '_' becomes '.' (RESTCatalogServer).
  # One JDBC connection (`clients`, default 2): with two, concurrent commits made
  # SQLite answer SQLITE_BUSY, and once the server was left holding the write
  # lock every later request failed with HTTP 500 until a restart.
  spawn iceberg-rest "$FLOE_STATE/iceberg-rest.log" env CATALOG_REST_PORT="$FLOE_REST_PORT" \
    CATALOG_CATALOG__IMPL=org.apache.iceberg.jdbc.JdbcCatalog \
    CATALOG_URI="jdbc:sqlite:file:$dir/catalog.db" \
    CATALOG_JDBC_USER=user CATALOG_JDBC_PASSWORD=password CATALOG_CLIENTS=1 \
    CATALOG_WAREHOUSE="s3://$FLOE_S3_BUCKET/rest" \
    CATALOG_IO__IMPL=org.apache.iceberg.aws.s3.S3FileIO \
    CATALOG_S3_ENDPOINT="http://127.0.0.1:$FLOE_S3_PORT" \
    CATALOG_S3_PATH__STYLE__ACCESS=true \
    CATALOG_S3_ACCESS__KEY__ID="$FLOE_S3_ACCESS_KEY" \
    CATALOG_S3_SECRET__ACCESS__KEY="$FLOE_S3_SECRET_KEY" \
    CATALOG_CLIENT_REGION="$FLOE_S3_REGION" \
    AWS_REGION="$FLOE_S3_REGION" \
    java -Xms128m -Xmx768m -Djava.awt.headless=true -Djetty.host=127.0.0.1 \
    -cp "$ICEBERG_REST_HOME/jars/*" org.apache.iceberg.rest.RESTCatalogServer
}

iceberg_rest_healthy() { http_ok "http://127.0.0.1:$FLOE_REST_PORT/v1/config"; }
iceberg_rest_wait() { wait_for iceberg-rest 90 "$FLOE_STATE/iceberg-rest.log" iceberg_rest_healthy; }
