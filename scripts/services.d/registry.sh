# Schema registry speaking the Confluent REST API: Apicurio Registry 3.x from
# Maven Central (Quarkus app, in-memory storage), API under /apis/ccompat/v7.
APICURIO_VERSION=3.0.9
APICURIO_HOME="$FLOE_CACHE/apicurio-$APICURIO_VERSION"

registry_provision() {
  [[ -f "$APICURIO_HOME/.ready" ]] && return 0
  say "fetching Apicurio Registry $APICURIO_VERSION from Maven Central"
  rm -rf "$APICURIO_HOME"; mkdir -p "$APICURIO_HOME"
  mvn -q -B "-Dmaven.repo.local=$FLOE_CACHE/m2" dependency:copy "-Dartifact=io.apicurio:apicurio-registry-app:$APICURIO_VERSION:zip:all" \
    -DoutputDirectory="$APICURIO_HOME" >&2 || return 1
  (cd "$APICURIO_HOME" && unzip -q apicurio-registry-app-*-all.zip && rm -f apicurio-registry-app-*-all.zip) \
    && touch "$APICURIO_HOME/.ready"
}

registry_start() {
  local jar candidate
  for candidate in "$APICURIO_HOME"/*-runner.jar "$APICURIO_HOME"/quarkus-run.jar; do
    [[ -f "$candidate" ]] && jar="$candidate" && break
  done
  [[ -n "${jar:-}" ]] || die "no runnable jar in $APICURIO_HOME"
  spawn registry "$FLOE_STATE/registry.log" java -Xms128m -Xmx768m \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$FLOE_REGISTRY_PORT" \
    -Dquarkus.management.enabled=false -Dquarkus.log.level=WARN \
    -jar "$jar"
}

registry_healthy() { http_ok "http://127.0.0.1:$FLOE_REGISTRY_PORT/apis/ccompat/v7/subjects"; }
registry_wait() { wait_for registry 120 "$FLOE_STATE/registry.log" registry_healthy; }
