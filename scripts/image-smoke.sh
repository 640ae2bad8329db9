# The smoke test of scripts/image, sourced by it (uses its IMAGE, say, die).
# The image's own entry point, command, user, working folder and environment
# (podman image inspect) run under chroot in a container made from the image:
# `--version`, then `run` against the local service stack on the host network.
# Needs root. Starts the services it uses when they are down (scripts/services up)
# and then stops them at the end.

SMOKE_RECORDS=3000

# image_config FIELD: one line per item of the image's .Config.FIELD.
image_config() {
  podman image inspect -f "{{range .Config.$1}}{{.}}{{\"\\n\"}}{{end}}" "$IMAGE"
}

# in_image ARG...: the image's entry point with ARG..., as its user, in its folder, with
# its environment. It execs: call it in $(...) or with & (then $! is floe's pid).
in_image() {
  local user workdir env=() entrypoint=()
  user="$(podman image inspect -f '{{.Config.User}}' "$IMAGE")"
  workdir="$(podman image inspect -f '{{.Config.WorkingDir}}' "$IMAGE")"
  mapfile -t env < <(image_config Env)
  mapfile -t entrypoint < <(image_config Entrypoint)
  printf '%s\n' "${env[@]}" | grep -q '^PATH=' || env+=("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
  exec chroot --userspec="${user:-0:0}" "$SMOKE_ROOT" /usr/bin/env -i --chdir="${workdir:-/}" \
    "${env[@]}" "${entrypoint[@]}" "$@"
}

smoke_cleanup() {
  if [[ -n "${SMOKE_PID:-}" ]] && kill -0 "$SMOKE_PID" 2>/dev/null; then kill -KILL "$SMOKE_PID" || true; fi
  if [[ -n "${SMOKE_ROOT:-}" ]]; then
    umount "$SMOKE_ROOT/proc" 2>/dev/null || true
    umount "$SMOKE_ROOT/dev" 2>/dev/null || true
  fi
  if [[ -n "${SMOKE_CONTAINER:-}" ]]; then
    podman umount "$SMOKE_CONTAINER" >/dev/null 2>&1 || true
    podman rm -f "$SMOKE_CONTAINER" >/dev/null 2>&1 || true
    SMOKE_CONTAINER=
  fi
  if [[ -n "${SMOKE_STARTED_SERVICES:-}" ]]; then
    say "stopping the services this smoke test started"
    scripts/services down || true
    SMOKE_STARTED_SERVICES=
  fi
}

# smoke_rows TABLE: "<rows> <distinct ids> <min id> <max id>" read by PyIceberg, or "0 0 -1 -1" before the table exists.
smoke_rows() {
  "$FLOE_READER_PYTHON" - "$1" <<'PY'
import os, sys
from pyiceberg.catalog import load_catalog
from pyiceberg.exceptions import NoSuchTableError
catalog = load_catalog("rest", type="rest", uri=os.environ["FLOE_REST_URI"], **{
    "s3.endpoint": os.environ["FLOE_S3_ENDPOINT"], "s3.access-key-id": os.environ["FLOE_S3_ACCESS_KEY"],
    "s3.secret-access-key": os.environ["FLOE_S3_SECRET_KEY"], "s3.region": os.environ["FLOE_S3_REGION"],
    "s3.path-style-access": "true"})
try:
    ids = catalog.load_table(sys.argv[1]).scan(selected_fields=("id",)).to_arrow().column("id").to_pylist()
except NoSuchTableError:
    ids = []
print(len(ids), len(set(ids)), min(ids, default=-1), max(ids, default=-1))
PY
}

smoke() {
  local started=$SECONDS
  podman image exists "$IMAGE" || die "no image $IMAGE: run scripts/image build"
  SMOKE_STARTED_SERVICES=
  if FLOE_STEP_PREFIX=image ensure_services kafka s3 iceberg-rest; then SMOKE_STARTED_SERVICES=1; fi
  eval "$(scripts/services env)"
  trap smoke_cleanup EXIT
  SMOKE_CONTAINER="$(podman create --name "floe-image-smoke-$$" "$IMAGE")"
  SMOKE_ROOT="$(podman mount "$SMOKE_CONTAINER")"
  mount -t proc proc "$SMOKE_ROOT/proc"
  mount --bind /dev "$SMOKE_ROOT/dev"

  local version expected
  version="$(in_image --version)"
  expected="$(node -p 'require("./package.json").version')"
  [[ "$version" == "$expected" ]] || die "floe --version in the image printed '$version', expected $expected"
  say "floe --version in the image: $version"

  # A sample topic, and a worker file the image reads at its default path (its CMD).
  local stamp topic table port log
  stamp="$(date +%s)_$$"
  topic="floe-image-smoke-$stamp"
  table="image_smoke.clicks_$stamp"
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  node scripts/demo-produce.ts "$topic" "$SMOKE_RECORDS" >&2
  mkdir -p "$SMOKE_ROOT/etc/floe/connectors"
  cat >"$SMOKE_ROOT/etc/floe/floe.yaml" <<YAML
kafka:
  bootstrapServers: $FLOE_KAFKA_BROKERS
  groupId: floe-image-smoke-$stamp
  groupInstanceId: image-smoke-0
catalog:
  type: rest
  uri: $FLOE_REST_URI
  warehouse: s3://$FLOE_S3_BUCKET/rest
storage:
  s3:
    endpoint: $FLOE_S3_ENDPOINT
    region: $FLOE_S3_REGION
    pathStyleAccess: true
    accessKeyId: $FLOE_S3_ACCESS_KEY
    secretAccessKey: $FLOE_S3_SECRET_KEY
connectorsDir: /etc/floe/connectors
dataDir: /var/lib/floe
server:
  host: 127.0.0.1
  port: $port
YAML
  cat >"$SMOKE_ROOT/etc/floe/connectors/clicks.yaml" <<YAML
topics: [$topic]
value: { format: json }
table: $table
commit: { intervalMs: 2000 }
YAML

  log="$FLOE_STATE/image-smoke.log"
  mkdir -p "$FLOE_STATE"
  local cmd=()
  mapfile -t cmd < <(image_config Cmd)
  say "floe ${cmd[*]} in the image (log: $log)"
  in_image "${cmd[@]}" >"$log" 2>&1 &
  SMOKE_PID=$!

  local rows=(0 0 -1 -1)
  for _ in $(seq 1 90); do
    kill -0 "$SMOKE_PID" 2>/dev/null || { tail -n 30 "$log" >&2; die "floe in the image stopped early"; }
    read -r -a rows < <(smoke_rows "$table")
    ((rows[0] >= SMOKE_RECORDS)) && break
    sleep 2
  done
  ((rows[0] >= SMOKE_RECORDS)) || { tail -n 30 "$log" >&2; die "only ${rows[0]} of $SMOKE_RECORDS records in $table after 180 s"; }

  kill -TERM "$SMOKE_PID"
  local code=0
  wait "$SMOKE_PID" || code=$?
  SMOKE_PID=
  ((code == 0)) || { tail -n 30 "$log" >&2; die "floe in the image exited with code $code after SIGTERM"; }
  read -r -a rows < <(smoke_rows "$table")
  [[ "${rows[*]}" == "$SMOKE_RECORDS $SMOKE_RECORDS 0 $((SMOKE_RECORDS - 1))" ]] \
    || die "PyIceberg read (rows, distinct ids, min, max) = ${rows[*]} from $table, expected $SMOKE_RECORDS distinct ids 0..$((SMOKE_RECORDS - 1))"
  say "ok: floe in the image landed $SMOKE_RECORDS records in $table exactly once (PyIceberg), exit code 0 on SIGTERM ($((SECONDS - started)) s)"
  smoke_cleanup
  trap - EXIT
}
