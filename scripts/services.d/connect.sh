# The CDC source: Kafka Connect standalone with Debezium's PostgreSQL connector
# (every jar from Maven Central, scripts/maven/debezium/pom.xml). It starts with
# no connector; a test registers one through the REST API (POST /connectors)
# for its own tables, publication and replication slot, so tests never share a
# stream. PostgreSQL runs with wal_level=logical (postgres.sh) for it.
DEBEZIUM_VERSION=3.6.1.Final
CONNECT_CLASSPATH_REV=1   # bump when scripts/maven/debezium/pom.xml changes
CONNECT_HOME="$FLOE_CACHE/debezium-$DEBEZIUM_VERSION-r$CONNECT_CLASSPATH_REV"

connect_provision() {
  [[ -f "$CONNECT_HOME/.ready" ]] && return 0
  say "fetching Kafka Connect + Debezium $DEBEZIUM_VERSION jars from Maven Central"
  rm -rf "$CONNECT_HOME"
  maven_fetch "$FLOE_ROOT/scripts/maven/debezium" "$CONNECT_HOME/jars" && touch "$CONNECT_HOME/.ready"
}

connect_start() {
  local dir="$FLOE_STATE/connect" log="$FLOE_STATE/connect.log"
  kafka_wait || die "connect needs kafka, which failed to start"
  mkdir -p "$dir"
  # Source offsets in a file: a restart of the stack resumes each connector's slot.
  cat > "$dir/worker.properties" <<PROPS
bootstrap.servers=127.0.0.1:$FLOE_KAFKA_PORT
listeners=http://127.0.0.1:$FLOE_CONNECT_PORT
offset.storage.file.filename=$dir/offsets.dat
offset.flush.interval.ms=1000
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
plugin.discovery=only_scan
PROPS
  cat > "$dir/log4j2.properties" <<'LOG'
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
logger.common.name = org.apache.kafka.common
logger.common.level = WARN
logger.reflections.name = org.reflections
logger.reflections.level = ERROR
LOG
  spawn connect "$log" java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$dir/log4j2.properties" \
    -cp "$CONNECT_HOME/jars/*" org.apache.kafka.connect.cli.ConnectStandalone "$dir/worker.properties"
}

connect_healthy() {
  curl -fsS "http://127.0.0.1:$FLOE_CONNECT_PORT/connector-plugins" | grep -q PostgresConnector
}

connect_wait() { wait_for connect 120 "$FLOE_STATE/connect.log" connect_healthy; }
