// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${ENV} references in plain strings are what these tests feed the interpolation
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { interpolateDocument, interpolateString } from '../../../src/config/env-interpolation.ts';

describe('interpolateString', () => {
  const env = { HOST: 'kafka', PORT: '9092', EMPTY: '' };

  it('replaces ${NAME} and keeps the surrounding text', () => {
    expect(interpolateString('${HOST}:${PORT}', env)).toEqual({ ok: true, value: 'kafka:9092' });
  });

  it('uses the default when the variable is unset or empty', () => {
    expect(interpolateString('${MISSING:-localhost}', env)).toEqual({ ok: true, value: 'localhost' });
    expect(interpolateString('${EMPTY:-fallback}', env)).toEqual({ ok: true, value: 'fallback' });
    expect(interpolateString('${HOST:-other}', env)).toEqual({ ok: true, value: 'kafka' });
    expect(interpolateString('x${MISSING:-}y', env)).toEqual({ ok: true, value: 'xy' });
  });

  it('keeps an empty variable without a default', () => {
    expect(interpolateString('[${EMPTY}]', env)).toEqual({ ok: true, value: '[]' });
  });

  it('turns $${ into a literal ${ and leaves lone dollars alone', () => {
    expect(interpolateString('$${HOST} costs $5', env)).toEqual({ ok: true, value: '${HOST} costs $5' });
  });

  it('reports an unset variable without default, an unclosed reference and a bad name', () => {
    expect(interpolateString('${NOPE}', env)).toEqual({
      ok: false,
      message: 'environment variable NOPE is not set (and no default: ${NOPE:-default})',
    });
    expect(interpolateString('${HOST', env)).toEqual({
      ok: false,
      message: 'unclosed "${" (write "$${" for a literal "${")',
    });
    expect(interpolateString('${1X}', env)).toMatchObject({ ok: false });
  });
});

describe('interpolateDocument', () => {
  it('re-types unquoted values and keeps quoted ones as strings, never touching keys', () => {
    const document = parseDocument(
      [
        'port: ${PORT}',
        'quoted: "${PORT}"',
        'flag: ${FLAG}',
        'ratio: ${RATIO}',
        'absent: ${UNSET:-}',
        '${PORT}: key',
        'list:',
        '  - ${PORT}',
        '  - "${PORT}"',
      ].join('\n'),
    );
    const { problems, retyped } = interpolateDocument(document, {
      PORT: '8080',
      FLAG: 'false',
      RATIO: '0.5',
    });
    expect(problems).toEqual([]);
    expect(retyped).toEqual([
      { path: ['port'], text: '8080' },
      { path: ['flag'], text: 'false' },
      { path: ['ratio'], text: '0.5' },
      { path: ['list', 0], text: '8080' },
    ]);
    expect(document.toJS()).toEqual({
      port: 8080,
      quoted: '8080',
      flag: false,
      ratio: 0.5,
      absent: null,
      '${PORT}': 'key',
      list: [8080, '8080'],
    });
  });

  it('types unquoted results with the YAML schema of the document, listing every one typed away from its text', () => {
    const document = parseDocument(
      [
        'hex: ${HEX}',
        'octal: ${OCTAL}',
        'infinite: ${INF}',
        'nothing: ${NULL}',
        'tilde: ${TILDE}',
        'empty: ${E:-}',
        'text: ${TEXT}',
      ].join('\n'),
    );
    const { retyped } = interpolateDocument(document, {
      HEX: '0x1F',
      OCTAL: '0o17',
      INF: '-.inf',
      NULL: 'Null',
      TILDE: '~',
      TEXT: 'plain',
    });
    expect(document.toJS()).toEqual({
      hex: 31,
      octal: 15,
      infinite: Number.NEGATIVE_INFINITY,
      nothing: null,
      tilde: null,
      empty: null,
      text: 'plain',
    });
    // An empty result is no text to keep: the key is not set.
    expect(retyped).toEqual([
      { path: ['hex'], text: '0x1F' },
      { path: ['octal'], text: '0o17' },
      { path: ['infinite'], text: '-.inf' },
      { path: ['nothing'], text: 'Null' },
      { path: ['tilde'], text: '~' },
    ]);
  });

  it('leaves the text of a bad reference out of the message of a secret key', () => {
    const document = parseDocument('sasl:\n  password: "x${y z}"\n  username: "x${y z}"\n');
    expect(interpolateDocument(document, {}).problems).toEqual([
      {
        path: ['sasl', 'password'],
        message:
          'has a "${" that is not a variable reference (${NAME} or ${NAME:-default}); not shown: the key is a secret',
      },
      {
        path: ['sasl', 'username'],
        message: '"${y z}" is not a variable reference (${NAME} or ${NAME:-default})',
      },
    ]);
  });

  it('reports each failed reference with its key path', () => {
    const document = parseDocument('a:\n  b: ${X}\n  c: [ok, "${Y}"]\n');
    expect(interpolateDocument(document, {}).problems).toEqual([
      { path: ['a', 'b'], message: 'environment variable X is not set (and no default: ${X:-default})' },
      { path: ['a', 'c', 1], message: 'environment variable Y is not set (and no default: ${Y:-default})' },
    ]);
  });
});
