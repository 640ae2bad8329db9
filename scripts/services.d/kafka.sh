# Apache Kafka 4.x, single node in KRaft mode (broker + controller), from Maven Central.
KAFKA_VERSION=4.1.1
KAFKA_CLASSPATH_REV=2   # bump when scripts/maven/kafka/pom.xml changes
KAFKA_HOME="$FLOE_CACHE/kafka-$KAFKA_VERSION-r$KAFKA_CLASSPATH_REV"

kafka_provision() {
  [[ -f "$KAFKA_HOME/.ready" ]] && return 0
  say "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central"
  rm -rf "$KAFKA_HOME"
  maven_fetch "$FLOE_ROOT/scripts/maven/kafka" "$KAFKA_HOME/jars" && touch "$KAFKA_HOME/.ready"
}

kafka_start() {
  local dir="$FLOE_STATE/kafka" log="$FLOE_STATE/kafka.log"
  mkdir -p "$dir/data"
  cat > "$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$FLOE_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$FLOE_KAFKA_PORT,CONTROLLER://127.0.0.1:$FLOE_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$FLOE_KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
group.consumer.session.timeout.ms=10000
group.consumer.min.session.timeout.ms=5000
group.consumer.heartbeat.interval.ms=1000
group.consumer.min.heartbeat.interval.ms=500
log.retention.hours=-1
log.segment.bytes=268435456
message.max.bytes=10485760
PROPS
  cat > "$dir/log4j2.yaml" <<'LOG'
Configuration:
  Appenders:
    Console: { name: STDOUT, PatternLayout: { pattern: "[%d] %p %m (%c)%n" } }
  Loggers:
    Root: { level: INFO, AppenderRef: [{ ref: STDOUT }] }
    Logger:
      - { name: kafka.request.logger, level: WARN }
      - { name: org.apache.kafka.controller, level: WARN }
      - { name: state.change.logger, level: WARN }
LOG
  local java_opts=(-Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j2.configurationFile=$dir/log4j2.yaml")
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    java "${java_opts[@]}" -cp "$KAFKA_HOME/jars/*" kafka.tools.StorageTool format -g \
      -t "$(java -cp "$KAFKA_HOME/jars/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)" \
      -c "$dir/server.properties" >>"$log" 2>&1 \
      || { tail -n 20 "$log" >&2; die "kafka storage format failed"; }
  fi
  spawn kafka "$log" java "${java_opts[@]}" -cp "$KAFKA_HOME/jars/*" kafka.Kafka "$dir/server.properties"
}

kafka_healthy() {
  grep -q "Kafka Server started" "$FLOE_STATE/kafka.log" \
    && (exec 3<>"/dev/tcp/127.0.0.1/$FLOE_KAFKA_PORT") 2>/dev/null
}

kafka_wait() { wait_for kafka 90 "$FLOE_STATE/kafka.log" kafka_healthy; }
