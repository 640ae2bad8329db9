# syntax=docker/dockerfile:1
# floe's container image: `docker build -t floe .` at the repo root.
# Debian 12 (bookworm) is pinned so that the runtime library names below match
# the ones the native Kafka client was linked against in the builder.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- builder: native addons from source, TypeScript to dist/, dev packages pruned
FROM ${NODE_IMAGE} AS builder
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential python3 ca-certificates \
      libssl-dev libsasl2-dev zlib1g-dev libzstd-dev liblz4-dev libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# librdkafka linked against the system's OpenSSL, SASL and compression libraries
# (as scripts/setup does); every native addon built here rather than downloaded,
# against the headers the node image ships (node-gyp would fetch them otherwise).
ENV CKJS_LINKING=dynamic \
    npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
# npm ci's postinstall patches the Kafka binding (packed batch consumption) and recompiles it.
COPY patches ./patches
COPY scripts/build-kafka-addon.mjs ./scripts/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && node -e "const { RdKafka } = require('@confluentinc/kafka-javascript'); if (typeof new RdKafka.KafkaConsumer({ 'group.id': 'x' }, {})._client.consumePacked !== 'function') process.exit(1)"

# ---- runtime: node, the shared libraries the addons need, the app; nothing else
FROM ${NODE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates libssl3 libsasl2-2 libsasl2-modules zlib1g libzstd1 liblz4-1 libcurl4 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 floe \
 && useradd --system --uid 10001 --gid floe --home-dir /var/lib/floe --shell /usr/sbin/nologin floe \
 && mkdir -p /etc/floe/connectors /var/lib/floe \
 && chown floe:floe /var/lib/floe
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
