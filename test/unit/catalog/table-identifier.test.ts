import { describe, expect, it } from 'vitest';
import {
  formatTableIdentifier,
  parseTableIdentifier,
  sameTableIdentifier,
  tableIdentifier,
} from '../../../src/catalog/table-identifier.ts';
import { ValidationError } from '../../../src/errors.ts';

describe('table identifiers', () => {
  it('parses and formats dotted names, the last part being the table', () => {
    expect(parseTableIdentifier('db.events')).toEqual({ namespace: ['db'], name: 'events' });
    expect(parseTableIdentifier('a.b.events')).toEqual({ namespace: ['a', 'b'], name: 'events' });
    expect(formatTableIdentifier({ namespace: ['a', 'b'], name: 'events' })).toBe('a.b.events');
  });

  it('rejects a missing namespace and empty parts', () => {
    expect(() => parseTableIdentifier('events')).toThrow(ValidationError);
    expect(() => parseTableIdentifier('db..events')).toThrow(/empty level/);
    expect(() => parseTableIdentifier('db.')).toThrow(/empty/);
    expect(() => tableIdentifier([], 't')).toThrow(/needs a namespace/);
  });

  it('compares level by level, not by the dotted text', () => {
    expect(
      sameTableIdentifier({ namespace: ['a', 'b'], name: 't' }, { namespace: ['a', 'b'], name: 't' }),
    ).toBe(true);
    expect(sameTableIdentifier({ namespace: ['a.b'], name: 't' }, { namespace: ['a', 'b'], name: 't' })).toBe(
      false,
    );
  });
});
