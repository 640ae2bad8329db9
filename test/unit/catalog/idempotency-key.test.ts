import { describe, expect, it } from 'vitest';
import { uuidV7 } from '../../../src/catalog/rest/idempotency-key.ts';

describe('uuidV7', () => {
  it('puts the Unix milliseconds in the first 48 bits, version 7 and the RFC 9562 variant', () => {
    const ms = 0x0190_1234_5678; // 2024-06
    const key = uuidV7(ms, new Uint8Array(10).fill(0xff));
    expect(key).toBe('01901234-5678-7fff-bfff-ffffffffffff');
    expect(uuidV7(ms, new Uint8Array(10))).toBe('01901234-5678-7000-8000-000000000000');
  });

  it('sorts by time and differs between calls', () => {
    const a = uuidV7(1_700_000_000_000);
    const b = uuidV7(1_700_000_000_001);
    expect(a < b).toBe(true);
    expect(uuidV7()).not.toBe(uuidV7());
  });
});
