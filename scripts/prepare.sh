# Sourced by scripts/demo and scripts/test: brings a checkout to where it can
# run floe, doing only what is missing, and says what it does on stderr.
#   ensure_setup             scripts/setup when this checkout's npm dependencies are
#                            missing, older than package-lock.json or do not load
#   ensure_services [NAME..] scripts/services up when any named service (default:
#                            all) is down; status 0 when it started them, 1 when
#                            they were already up
source "$(dirname "${BASH_SOURCE[0]}")/node-env.sh"

step() { printf '[%s] %s\n' "${FLOE_STEP_PREFIX:-floe}" "$*" >&2; }

setup_needed() {
  local installed="$FLOE_ROOT/node_modules/.package-lock.json"
  [[ -f "$installed" ]] || return 0
  [[ "$FLOE_ROOT/package-lock.json" -nt "$installed" ]] && return 0
  ! (cd "$FLOE_ROOT" && node -e "require('@confluentinc/kafka-javascript')") >/dev/null 2>&1
}

ensure_setup() {
  if setup_needed; then
    step "setting up this checkout with scripts/setup: system packages, Node 24, npm dependencies (a few minutes the first time)"
    "$FLOE_ROOT/scripts/setup"
  else
    step "setup: already done (node $(node --version), npm dependencies match package-lock.json)"
  fi
}

ensure_services() {
  local status name down=() wanted=("$@")
  status="$("$FLOE_ROOT/scripts/services" status 2>/dev/null || true)"
  if ((${#wanted[@]} == 0)); then mapfile -t wanted < <(awk '{print $1}' <<<"$status"); fi
  ((${#wanted[@]} > 0)) || down=(all)
  for name in "${wanted[@]}"; do
    grep -Eq "^$name +up\$" <<<"$status" || down+=("$name")
  done
  if ((${#down[@]} == 0)); then
    step "services: ${wanted[*]} already up"
    return 1
  fi
  step "starting the local services with scripts/services up (${down[*]} down); the first time downloads and builds them into $FLOE_CACHE (a few minutes)"
  "$FLOE_ROOT/scripts/services" up || die "the local services did not start (see above)"
}
