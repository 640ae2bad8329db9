// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${ENV} references are what these config files hold
import { describe, expect, it } from 'vitest';
import { loadConnectorConfig } from '../../../src/config/load-connector-config.ts';
import { loadWorkerConfig } from '../../../src/config/load-worker-config.ts';
import { errorMessage, tempFolder, writeConfig } from './temp-config.ts';

const WORKER = `kafka:
  bootstrapServers: k:9092
  clientId: \${CLIENT}
  security:
    protocol: sasl_plaintext
    sasl:
      mechanism: PLAIN
      username: \${USER}
      password: \${PASSWORD}
  properties:
    sasl.password: \${P}
    fetch.max.bytes: \${F}
    client.rack: \${RACK:-}
catalog:
  type: rest
  uri: http://catalog:8181
  properties:
    header.x: \${HEADER}
storage:
  s3:
    pathStyleAccess: \${PATH_STYLE}
server:
  port: \${PORT}
memory:
  maxBufferedBytes: \${MAX}
`;

const ENV = {
  CLIENT: 'null',
  USER: '~',
  PASSWORD: 'NULL',
  P: '012345',
  F: '1.50',
  HEADER: '1e3',
  PATH_STYLE: 'True',
  PORT: '0x1F',
  MAX: '0o17',
};

describe('typing of interpolated values', () => {
  it('keeps the substituted text where the key takes a string, properties maps and null-looking text included', () => {
    const config = loadWorkerConfig(writeConfig(tempFolder(), 'floe.yaml', WORKER), ENV);
    expect(config.kafka.clientId).toBe('null');
    expect(config.kafka.security?.sasl).toMatchObject({ username: '~', password: 'NULL' });
    expect(config.kafka.properties).toEqual({ 'sasl.password': '012345', 'fetch.max.bytes': '1.50' });
    expect(config.catalog).toMatchObject({ properties: { 'header.x': '1e3' } });
  });

  it('types the text as YAML does where the key takes a number or boolean (hex, octal)', () => {
    const config = loadWorkerConfig(writeConfig(tempFolder(), 'floe.yaml', WORKER), ENV);
    expect(config.server.port).toBe(31);
    expect(config.memory.maxBufferedBytes).toBe(15);
    expect(config.storage.s3?.pathStyleAccess).toBe(true);
  });

  it('leaves a key unset when its value comes out empty, and a number key set to null text unset', () => {
    const file = writeConfig(tempFolder(), 'floe.yaml', WORKER);
    const config = loadWorkerConfig(file, { ...ENV, CLIENT: '', PORT: 'null', RACK: '' });
    expect(config.kafka.clientId).toBeUndefined();
    expect(config.kafka.properties['client.rack']).toBeUndefined();
    expect(config.server.port).toBe(8080);
    expect(errorMessage(() => loadWorkerConfig(file, { ...ENV, PASSWORD: '' }))).toBe(
      `${file}:9: kafka.security.sasl.password: is required for mechanism PLAIN`,
    );
  });

  it('keeps the text of a connector key that takes a string', () => {
    const file = writeConfig(
      tempFolder(),
      'orders.yaml',
      'topics: [orders]\nvalue:\n  format: json\ntable: ns.orders\nerrors:\n  policy: dlq\n  dlqTopic: ${DLQ}\n',
    );
    expect(loadConnectorConfig(file, { DLQ: '0x10' }).errors.dlqTopic).toBe('0x10');
  });
});

describe('interpolation problems of secret keys', () => {
  it('never quote the value', () => {
    const file = writeConfig(
      tempFolder(),
      'floe.yaml',
      'kafka:\n  bootstrapServers: "k:9092${x y}"\n  properties:\n    sasl.password: "s3${cr et}"\ncatalog:\n  type: sql\n',
    );
    const message = errorMessage(() => loadWorkerConfig(file, {}));
    expect(message).toContain('kafka.bootstrapServers: "${x y}" is not a variable reference');
    expect(message).toContain(
      `${file}:4: kafka.properties["sasl.password"]: has a "\${" that is not a variable reference (\${NAME} or \${NAME:-default}); not shown: the key is a secret`,
    );
    expect(message).not.toContain('cr et');
    expect(message).not.toContain('s3');
  });
});
