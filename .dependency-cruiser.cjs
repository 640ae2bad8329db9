// Import rules of docs/architecture.md (layers flow downward; each SDK lives in
// one file). Run by `npm run deps`, part of `npm test`.
const layer = (name, allowed) => ({
  name: `layer-${name}`,
  comment: `src/${name} may import only: ${allowed.join(', ')}`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${name}/`, '^src/errors\\.ts$', '^src/log\\.ts$', '^src/crash-points\\.ts$', ...allowed.map((l) => `^src/${l}/`)],
  },
});

// An SDK may be imported only from its one adapter file, or from the files of
// its one adapter folder when `place` ends with '/'.
const sdk = (pkg, place) => ({
  name: `sdk-${pkg.replace(/[^a-z0-9]+/gi, '-')}`,
  comment: `${pkg} is imported only in ${place}`,
  severity: 'error',
  from: { pathNot: `^${place.replace(/\./g, '\\.')}${place.endsWith('/') ? '' : '$'}` },
  to: { path: `node_modules/${pkg.replace(/\//g, '\\/')}/` },
});

module.exports = {
  forbidden: [
    layer('iceberg', []),
    layer('io', []),
    layer('parquet', ['iceberg']),
    layer('catalog', ['iceberg', 'io']),
    layer('sink', ['iceberg', 'parquet', 'io', 'catalog']),
    layer('codec', ['iceberg']),
    layer('config', ['iceberg']),
    layer('maintenance', ['iceberg', 'parquet', 'io', 'catalog', 'sink']),
    layer('worker', ['iceberg', 'parquet', 'io', 'catalog', 'sink', 'codec', 'config']),
    layer('server', []),
    {
      name: 'shared-stays-shared',
      comment: 'errors.ts, log.ts and crash-points.ts import nothing of floe',
      severity: 'error',
      from: { path: '^src/(errors|log|crash-points)\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(errors|log)\\.ts$' },
    },
    {
      name: 'iceberg-is-pure',
      comment: 'src/iceberg does no I/O: no fs, network, processes or timers modules',
      severity: 'error',
      from: { path: '^src/iceberg/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|fs/promises|net|http|https|http2|child_process|dgram|dns|tls|worker_threads|timers|os)$' },
    },
    {
      name: 'iceberg-no-sdk',
      comment: 'src/iceberg depends on no third-party package but avsc (Avro encoding of manifests)',
      severity: 'error',
      from: { path: '^src/iceberg/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer'], pathNot: 'node_modules/avsc/' },
    },
    {
      name: 'cli-is-the-root',
      comment: 'only src/cli.ts may import the composition root',
      severity: 'error',
      from: {},
      to: { path: '^src/cli\\.ts$' },
    },
    {
      name: 'cli-folder-is-the-root',
      comment: 'src/cli/ (the commands and the factories that build concrete classes) is imported by src/cli.ts and itself only',
      severity: 'error',
      from: { pathNot: ['^src/cli\\.ts$', '^src/cli/'] },
      to: { path: '^src/cli/' },
    },
    {
      name: 'commit-protocol-knows-no-kafka-client',
      comment: 'src/worker/commit (fence, offsets, batch, commit) never imports the Kafka adapter',
      severity: 'error',
      from: { path: '^src/worker/commit/' },
      to: { path: '^src/worker/kafka/' },
    },
    sdk('@confluentinc/kafka-javascript', 'src/worker/kafka/'),
    sdk('@aws-sdk/client-s3', 'src/io/s3-file-io.ts'),
    sdk('parquet-wasm', 'src/parquet/parquet-wasm-writer.ts'),
    sdk('better-sqlite3', 'src/catalog/sql/sqlite-driver.ts'),
    sdk('pg', 'src/catalog/sql/postgres-driver.ts'),
    sdk('@kafkajs/confluent-schema-registry', 'src/codec/schema-registry-client.ts'),
    sdk('protobufjs', 'src/codec/protobuf-schema.ts'),
    sdk('prom-client', 'src/server/metrics-registry.ts'),
    sdk('pino', 'src/log.ts'),
    sdk('lmdb', 'src/worker/upsert/lmdb-key-store.ts'),
    sdk('roaring-wasm', 'src/sink/deletion-vector-roaring.ts'),
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'not-to-dev-dep',
      severity: 'error',
      comment: 'src must not depend on devDependencies',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
