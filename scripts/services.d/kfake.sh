# A second Kafka-protocol broker, an independent implementation of the wire
# protocol (not a build of Apache Kafka): franz-go's kfake, wrapped in a small
# main (tools/kfake/) and built from the Go module proxy. The worker's
# exactly-once, rebalance and backfill integration tests run on it as well as
# on kafka (test/support/brokers.ts).
#
# kfake's classic consumer-group code expires a member that waits in JoinGroup
# for slower members and never answers it; tools/kfake/*.patch keeps such a
# member alive, as Apache Kafka does. The module is vendored (`go mod vendor`)
# so the patch applies to a copy, never to the shared Go module cache.
KFAKE_SRC="$FLOE_ROOT/tools/kfake"
# The build is named after the content of tools/kfake: any change rebuilds it.
KFAKE_HOME="$FLOE_CACHE/kfake-$(cat "$KFAKE_SRC"/go.mod "$KFAKE_SRC"/go.sum "$KFAKE_SRC"/*.go "$KFAKE_SRC"/*.patch | sha256sum | cut -c1-12)"
KFAKE_BIN="$KFAKE_HOME/kfake"

# kfake's go.mod needs Go 1.26: an older go (1.21+) fetches that toolchain from the
# Go proxy into the module cache, also where a distribution's go.env says "local".
kfake_go() { GOTOOLCHAIN=auto GOMODCACHE="$FLOE_CACHE/go/mod" GOCACHE="$FLOE_CACHE/go/build" go "$@"; }

kfake_provision() {
  [[ -x "$KFAKE_BIN" ]] && return 0
  command -v go >/dev/null || die "go not found (kfake is built with Go 1.21+)"
  apt_install patch
  say "building kfake (tools/kfake) with go build"
  local build="$KFAKE_HOME/build" fix
  rm -rf "$KFAKE_HOME"
  mkdir -p "$build"
  cp "$KFAKE_SRC"/go.mod "$KFAKE_SRC"/go.sum "$KFAKE_SRC"/*.go "$build/"
  (cd "$build" && kfake_go mod vendor) >&2 || return 1
  for fix in "$KFAKE_SRC"/*.patch; do
    patch --batch --forward -p1 -d "$build/vendor/github.com/twmb/franz-go/pkg/kfake" < "$fix" >&2 \
      || { say "kfake: $fix does not apply to the vendored module"; return 1; }
  done
  (cd "$build" && kfake_go build -mod=vendor -trimpath -o "$KFAKE_BIN.tmp" .) >&2 || return 1
  mv "$KFAKE_BIN.tmp" "$KFAKE_BIN"
  rm -rf "$build"
}

kfake_start() {
  # State in memory: a restart starts empty (the tests create their topics).
  spawn kfake "$FLOE_STATE/kfake.log" "$KFAKE_BIN" -port "$FLOE_KFAKE_PORT" -log-level warn \
    -c message.max.bytes=10485760
}

kfake_healthy() {
  grep -q "kfake listening on" "$FLOE_STATE/kfake.log" \
    && (exec 3<>"/dev/tcp/127.0.0.1/$FLOE_KFAKE_PORT") 2>/dev/null
}

kfake_wait() { wait_for kfake 30 "$FLOE_STATE/kfake.log" kfake_healthy; }
