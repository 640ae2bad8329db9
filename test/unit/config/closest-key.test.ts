import { describe, expect, it } from 'vitest';
import { closestKey, editDistance } from '../../../src/config/closest-key.ts';

describe('closestKey', () => {
  it('measures edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('suggests the nearest known key for typos and case slips', () => {
    const known = ['bootstrapServers', 'groupId', 'clientId', 'security', 'properties'];
    expect(closestKey('bootstrapServer', known)).toBe('bootstrapServers');
    expect(closestKey('bootstrapservers', known)).toBe('bootstrapServers');
    expect(closestKey('groupid', known)).toBe('groupId');
    expect(closestKey('secuirty', known)).toBe('security');
  });

  it('suggests nothing when no key is close', () => {
    expect(closestKey('xyzzy', ['host', 'port'])).toBeUndefined();
    expect(closestKey('anything', [])).toBeUndefined();
  });
});
