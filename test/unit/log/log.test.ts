import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PayloadError, recordError } from '../../../src/codec/payload-error.ts';
import { FloeError } from '../../../src/errors.ts';
import { createLogger, serializeError } from '../../../src/log.ts';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

const badInteger = () => {
  const cause = new PayloadError('malformed', 'id: expected an integer, got "two"');
  return recordError({ topic: 'orders', partition: 3, offset: 12n }, 'malformed', cause.message, cause);
};

describe('log lines', () => {
  it('write a key bound by a child once when the caller passes it again', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'info', destination: stream }).child({ connector: 'soak' });
    log.info('committed', { connector: 'soak', table: 'a.b' });
    expect(lines).toHaveLength(1);
    expect(occurrences(lines[0]!, '"connector"')).toBe(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ connector: 'soak', table: 'a.b', msg: 'committed' });
  });

  it('write an error context key once next to the same binding', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'info', destination: stream }).child({ connector: 'c', topic: 't' });
    log.warn('failed', { err: new FloeError('boom', { connector: 'c', topic: 't' }) });
    expect(occurrences(lines[0]!, '"connector"')).toBe(1);
    expect(occurrences(lines[0]!, '"topic"')).toBe(1);
  });

  it('say a record error message once, not once for the wrapper and again for its cause', () => {
    const { lines, stream } = capture();
    const log = createLogger({ level: 'info', destination: stream });
    const error = badInteger();
    log.warn(`bad record skipped: ${error.message}`, { err: error });
    expect(occurrences(lines[0]!, 'expected an integer')).toBe(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      topic: 'orders',
      partition: 3,
      offset: '12',
      reason: 'malformed',
      err: { type: 'RecordError' },
    });
  });

  it('keep the error message when the log message does not say it, without repeating the cause', () => {
    expect(serializeError(badInteger(), 'stopping').message).toBe(
      'orders[3]@12: id: expected an integer, got "two"',
    );
  });

  it('append a cause message the wrapper does not contain', () => {
    const error = new FloeError('registry unreachable', {}, { cause: new Error('ECONNREFUSED') });
    expect(serializeError(error).message).toBe('registry unreachable: ECONNREFUSED');
  });

  it('keep the stack frames of the error and its causes without their messages', () => {
    const stack = String(serializeError(badInteger()).stack);
    expect(stack).toMatch(/^RecordError\n\s+at /);
    expect(stack).toContain('caused by: PayloadError\n');
    expect(stack).not.toContain('expected an integer');
  });
});
