# S3-compatible object store: versitygw (Apache-2.0) on a posix folder, built
# from the Go module proxy. It honours conditional writes (If-None-Match).
VERSITYGW_VERSION=v1.8.0
VERSITYGW_BIN="$FLOE_CACHE/versitygw-$VERSITYGW_VERSION/versitygw"

s3_provision() {
  [[ -x "$VERSITYGW_BIN" ]] && return 0
  say "building versitygw $VERSITYGW_VERSION with go install"
  GOBIN="$(dirname "$VERSITYGW_BIN")" GOMODCACHE="$FLOE_CACHE/go/mod" GOCACHE="$FLOE_CACHE/go/build" \
    go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >&2
}

s3_start() {
  local dir="$FLOE_STATE/s3"
  mkdir -p "$dir/root" "$dir/meta"
  ROOT_ACCESS_KEY="$FLOE_S3_ACCESS_KEY" ROOT_SECRET_KEY="$FLOE_S3_SECRET_KEY" \
    spawn s3 "$FLOE_STATE/s3.log" "$VERSITYGW_BIN" --port "127.0.0.1:$FLOE_S3_PORT" \
    --region "$FLOE_S3_REGION" posix --sidecar "$dir/meta" "$dir/root"
}

s3_healthy() { http_any "http://127.0.0.1:$FLOE_S3_PORT/"; }
s3_wait() {
  wait_for s3 30 "$FLOE_STATE/s3.log" s3_healthy || return 1
  # Create the warehouse bucket through the S3 API (409 when it already exists).
  local code
  code="$(curl -sS -o "$FLOE_STATE/s3-create.out" -w '%{http_code}' -X PUT \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    --aws-sigv4 "aws:amz:$FLOE_S3_REGION:s3" --user "$FLOE_S3_ACCESS_KEY:$FLOE_S3_SECRET_KEY" \
    "http://127.0.0.1:$FLOE_S3_PORT/$FLOE_S3_BUCKET")"
  [[ "$code" == 200 || "$code" == 409 ]] || { cat "$FLOE_STATE/s3-create.out" >&2; say "bucket create: HTTP $code"; return 1; }
}
