import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../../src/cli/validate-command.ts';
import { loadWorkerConfig } from '../../../src/config/load-worker-config.ts';
import { ConfigError } from '../../../src/errors.ts';
import { errorMessage, tempFolder, writeConfig } from './temp-config.ts';

function workerFile(properties: string): string {
  return writeConfig(
    tempFolder(),
    'floe.yaml',
    `kafka:\n  bootstrapServers: k:9092\n  properties:\n${properties}catalog:\n  type: sql\n`,
  );
}

describe('fixed kafka.properties in the worker file', () => {
  it('reports every changed fixed property with its line, in the documented key style', () => {
    const file = workerFile(
      [
        '    enable.auto.commit: true',
        '    fetch.max.bytes: 1048576',
        '    enable.auto.offset.store: "true"',
        '    partition.assignment.strategy: range',
        '    acks: 1',
        '    enable.idempotence: false',
        '',
      ].join('\n'),
    );
    let caught: unknown;
    try {
      loadWorkerConfig(file, {});
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message).toBe(
      [
        `${file}:4: kafka.properties["enable.auto.commit"]: floe requires "false" (got true); remove the property`,
        `${file}:6: kafka.properties["enable.auto.offset.store"]: floe requires "false" (got "true"); remove the property`,
        `${file}:7: kafka.properties["partition.assignment.strategy"]: floe requires "cooperative-sticky" (got "range"); remove the property`,
        `${file}:8: kafka.properties.acks: floe requires "all" (got 1); remove the property`,
        `${file}:9: kafka.properties["enable.idempotence"]: floe requires "true" (got false); remove the property`,
      ].join('\n'),
    );
  });

  it('takes the fixed values themselves, in any case, acks -1, and any strategy under group.protocol consumer', () => {
    const file = workerFile(
      [
        '    enable.auto.commit: FALSE',
        '    enable.auto.offset.store: false',
        '    acks: -1',
        '    enable.idempotence: "True"',
        '    group.protocol: consumer',
        '    partition.assignment.strategy: range',
        '',
      ].join('\n'),
    );
    expect(loadWorkerConfig(file, {}).kafka.properties).toMatchObject({ acks: '-1' });
  });

  it('refuses group.id and group.instance.id, which have keys of their own', () => {
    const file = workerFile('    group.id: other\n    group.instance.id: pod-0\n    client.id: fine\n');
    expect(errorMessage(() => loadWorkerConfig(file, {}))).toBe(
      [
        `${file}:4: kafka.properties["group.id"]: set kafka.groupId instead; remove the property`,
        `${file}:5: kafka.properties["group.instance.id"]: set kafka.groupInstanceId instead; remove the property`,
      ].join('\n'),
    );
  });

  it('makes floe validate refuse the file as the other commands do (a ConfigError: exit 2)', async () => {
    const file = workerFile('    enable.auto.commit: true\n');
    const error: unknown = await validateCommand({ config: file }, () => {}).catch((caught) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      `${file}:4: kafka.properties["enable.auto.commit"]: floe requires "false" (got true); remove the property`,
    );
  });

  it('is reported together with the other problems of the file', () => {
    const file = workerFile('    enable.auto.commit: "yes"\nserver:\n  port: 0\n');
    expect(errorMessage(() => loadWorkerConfig(file, {}))).toBe(
      [
        `${file}:4: kafka.properties["enable.auto.commit"]: floe requires "false" (got "yes"); remove the property`,
        `${file}:6: server.port: must be between 1 and 65535 (got 0)`,
      ].join('\n'),
    );
  });
});
