import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../../../src/config/load-worker-config.ts';
import { ConfigError } from '../../../src/errors.ts';
import { errorMessage, tempFolder, writeConfig } from './temp-config.ts';

const MINIMAL = 'kafka:\n  bootstrapServers: localhost:9092\ncatalog:\n  type: sql\n';

describe('loadWorkerConfig', () => {
  it('fills in every default and resolves paths against the file folder', () => {
    const folder = tempFolder();
    const file = writeConfig(folder, 'conf/floe.yaml', MINIMAL);
    const config = loadWorkerConfig(file, {});
    const conf = join(folder, 'conf');
    expect(config).toEqual({
      file,
      kafka: { bootstrapServers: 'localhost:9092', groupId: 'floe', properties: {} },
      catalog: {
        type: 'sql',
        name: 'floe',
        uri: `sqlite:///${conf}/floe-data/catalog.db`,
        warehouse: `file://${conf}/floe-data/warehouse`,
      },
      storage: {},
      connectorsDir: join(conf, 'connectors'),
      dataDir: join(conf, 'floe-data'),
      server: { host: '0.0.0.0', port: 8080 },
      log: { level: 'info' },
      memory: { maxBufferedBytes: 256 * 1024 * 1024 },
      commitTimeoutMs: 120_000,
    });
  });

  it('resolves TLS files, keeps absolute paths, and stringifies raw properties', () => {
    const folder = tempFolder();
    const file = writeConfig(
      folder,
      'floe.yaml',
      `kafka:
  bootstrapServers: a:1,b:2
  security:
    protocol: ssl
    tls:
      caFile: certs/ca.pem
      certFile: /abs/cert.pem
      keyFile: certs/key.pem
  properties:
    fetch.max.bytes: 1048576
    enable.partition.eof: false
catalog:
  type: rest
  uri: http://catalog:8181
dataDir: /var/lib/floe
connectorsDir: ../shared/connectors
`,
    );
    const config = loadWorkerConfig(file, {});
    expect(config.kafka.security?.tls).toEqual({
      caFile: join(folder, 'certs/ca.pem'),
      certFile: '/abs/cert.pem',
      keyFile: join(folder, 'certs/key.pem'),
      verifyHostname: true,
    });
    expect(config.kafka.properties).toEqual({
      'fetch.max.bytes': '1048576',
      'enable.partition.eof': 'false',
    });
    expect(config.catalog).toEqual({
      type: 'rest',
      name: 'floe',
      uri: 'http://catalog:8181',
      properties: {},
    });
    expect(config.dataDir).toBe('/var/lib/floe');
    expect(config.connectorsDir).toBe(join(folder, '../shared/connectors'));
  });

  it('interpolates the environment, typing unquoted results', () => {
    const folder = tempFolder();
    const file = writeConfig(
      folder,
      'floe.yaml',
      `kafka:
  bootstrapServers: \${BOOTSTRAP}
catalog:
  type: sql
server:
  port: \${PORT:-9000}
log:
  level: \${LEVEL:-info}
`,
    );
    const config = loadWorkerConfig(file, { BOOTSTRAP: 'k1:9092,k2:9092', LEVEL: 'debug' });
    expect(config.kafka.bootstrapServers).toBe('k1:9092,k2:9092');
    expect(config.server.port).toBe(9000);
    expect(config.log.level).toBe('debug');
  });

  it('keeps the text of an unquoted reference where the key takes a string (a numeric password from a Secret)', () => {
    const folder = tempFolder();
    const file = writeConfig(
      folder,
      'floe.yaml',
      `kafka:
  bootstrapServers: \${BOOTSTRAP}
  security:
    protocol: sasl_plaintext
    sasl:
      mechanism: PLAIN
      username: \${USER}
      password: \${PASSWORD}
catalog:
  type: sql
server:
  port: \${PORT}
`,
    );
    const config = loadWorkerConfig(file, {
      BOOTSTRAP: 'k:9092',
      USER: 'true',
      PASSWORD: '012345',
      PORT: '9001',
    });
    expect(config.kafka.security?.sasl?.username).toBe('true');
    expect(config.kafka.security?.sasl?.password).toBe('012345');
    expect(config.server.port).toBe(9001);
    // A key that takes a number still refuses text.
    expect(() =>
      loadWorkerConfig(file, { BOOTSTRAP: 'k:9092', USER: 'u', PASSWORD: '1', PORT: 'http' }),
    ).toThrow(/server\.port: must be a number/);
  });

  it('takes the static member id from the environment (a pod name) and refuses one Kafka would', () => {
    const folder = tempFolder();
    const file = writeConfig(
      folder,
      'floe.yaml',
      `kafka:\n  bootstrapServers: k:9092\n  groupInstanceId: \${POD_NAME:-}\ncatalog:\n  type: sql\n`,
    );
    expect(loadWorkerConfig(file, { POD_NAME: 'floe-2' }).kafka.groupInstanceId).toBe('floe-2');
    expect(loadWorkerConfig(file, {}).kafka.groupInstanceId).toBeUndefined();
    expect(errorMessage(() => loadWorkerConfig(file, { POD_NAME: 'floe 2' }))).toBe(
      `${file}:3: kafka.groupInstanceId: must be 1 to 249 characters of letters, digits, ".", "_" and "-" (a pod name, say) (got "floe 2")`,
    );
  });

  it('reports every problem of the file at once, with lines, in file order', () => {
    const folder = tempFolder();
    const file = writeConfig(
      folder,
      'floe.yaml',
      `kafka:
  bootstrapServer: localhost:9092
catalog:
  type: sqll
server:
  port: 99999
log: { level: verbose }
`,
    );
    const error = (() => {
      try {
        loadWorkerConfig(file, {});
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).context).toEqual({ file, problems: 5 });
    expect((error as Error).message).toBe(
      [
        `${file}:1: kafka.bootstrapServers: is required`,
        `${file}:2: kafka.bootstrapServer: unknown key (did you mean "bootstrapServers"?)`,
        `${file}:4: catalog.type: must be one of rest, sql (got "sqll")`,
        `${file}:6: server.port: must be between 1 and 65535 (got 99999)`,
        `${file}:7: log.level: must be one of debug, info, warn, error (got "verbose")`,
      ].join('\n'),
    );
  });

  it('lists the known keys when an unknown key is not close to any', () => {
    const folder = tempFolder();
    const file = writeConfig(folder, 'floe.yaml', `${MINIMAL}server:\n  xyzzy: 1\n`);
    expect(errorMessage(() => loadWorkerConfig(file, {}))).toBe(
      `${file}:6: server.xyzzy: unknown key (known keys: host, port)`,
    );
  });

  it('checks security settings across keys', () => {
    const folder = tempFolder();
    const file = writeConfig(
      folder,
      'floe.yaml',
      `kafka:
  bootstrapServers: localhost:9092
  security:
    protocol: sasl_plaintext
    sasl:
      mechanism: SCRAM-SHA-256
      username: floe
    tls:
      caFile: ca.pem
catalog:
  type: sql
schemaRegistry:
  url: http://registry
  basicAuth: { username: u, password: p }
  bearerToken: t
`,
    );
    expect(errorMessage(() => loadWorkerConfig(file, {}))).toBe(
      [
        `${file}:5: kafka.security.sasl.password: is required for mechanism SCRAM-SHA-256`,
        `${file}:8: kafka.security.tls: is not used with protocol sasl_plaintext (use ssl or sasl_ssl)`,
        `${file}:15: schemaRegistry.bearerToken: cannot be used together with basicAuth`,
      ].join('\n'),
    );
  });

  it('names the missing environment variable and the key, once', () => {
    const folder = tempFolder();
    const file = writeConfig(folder, 'floe.yaml', `${MINIMAL}server:\n  port: \${FLOE_PORT}\n`);
    expect(errorMessage(() => loadWorkerConfig(file, {}))).toBe(
      `${file}:6: server.port: environment variable FLOE_PORT is not set (and no default: \${FLOE_PORT:-default})`,
    );
  });

  it('never shows a secret value in a message', () => {
    const folder = tempFolder();
    const file = writeConfig(
      folder,
      'floe.yaml',
      `kafka:
  bootstrapServers: localhost:9092
catalog:
  type: rest
  uri: http://catalog
  credential: 123456789
  token: ""
storage:
  s3:
    secretAccessKey: [hunter2]
`,
    );
    const message = errorMessage(() => loadWorkerConfig(file, {}));
    expect(message).toBe(
      [
        `${file}:6: catalog.credential: must be a string (got a number, not shown: the key is a secret)`,
        `${file}:7: catalog.token: must not be empty (got a string, not shown: the key is a secret)`,
        `${file}:10: storage.s3.secretAccessKey: must be a string (got a list)`,
      ].join('\n'),
    );
    expect(message).not.toContain('123456789');
    expect(message).not.toContain('hunter2');
  });

  it('hides a password inside a URI quoted back in a message', () => {
    const folder = tempFolder();
    const file = writeConfig(
      folder,
      'floe.yaml',
      'kafka:\n  bootstrapServers: k:9092\ncatalog:\n  type: rest\n  uri: postgresql://floe:s3cret@db/catalog\n',
    );
    expect(errorMessage(() => loadWorkerConfig(file, {}))).toBe(
      `${file}:5: catalog.uri: must be an http:// or https:// URL (got "postgresql://floe:***@db/catalog")`,
    );
  });

  it('reports YAML syntax errors with their line', () => {
    const folder = tempFolder();
    const file = writeConfig(folder, 'floe.yaml', 'kafka:\n  bootstrapServers: a: b\ncatalog: {}\n');
    expect(errorMessage(() => loadWorkerConfig(file, {}))).toBe(
      `${file}:2: YAML syntax error: Nested mappings are not allowed in compact mappings`,
    );
    const duplicate = writeConfig(folder, 'dup.yaml', `${MINIMAL}catalog:\n  type: rest\n`);
    expect(errorMessage(() => loadWorkerConfig(duplicate, {}))).toBe(
      `${duplicate}:5: YAML syntax error: Map keys must be unique`,
    );
  });

  it('reports an empty file, a file that is not a mapping, and a missing file', () => {
    const folder = tempFolder();
    const empty = writeConfig(folder, 'empty.yaml', '# nothing\n');
    expect(errorMessage(() => loadWorkerConfig(empty, {}))).toBe(
      `${empty}: the file is empty (expected a mapping of keys)`,
    );
    const list = writeConfig(folder, 'list.yaml', '- a\n');
    expect(errorMessage(() => loadWorkerConfig(list, {}))).toBe(
      `${list}:1: the file must be a mapping of keys`,
    );
    const missing = join(folder, 'nope.yaml');
    expect(errorMessage(() => loadWorkerConfig(missing, {}))).toBe(
      `${missing}: cannot read the config file: no such file`,
    );
  });
});
