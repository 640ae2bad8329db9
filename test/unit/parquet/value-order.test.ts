import { describe, expect, it } from 'vitest';
import { compareBytes, compareCodePoints } from '../../../src/parquet/value-order.ts';

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

describe('value order', () => {
  it('orders strings like their UTF-8 bytes', () => {
    const samples = [
      '',
      'a',
      'ab',
      'b',
      'z',
      'é',
      '\u07ff',
      '\u0800',
      '\ud7ff',
      '\ue000',
      '\uff61',
      '\uffff',
      '😀',
      '𐀀',
      'a😀',
      'a\uffff',
    ];
    for (const a of samples) {
      for (const b of samples)
        expect(Math.sign(compareCodePoints(a, b)), `${a} vs ${b}`).toBe(utf8Order(a, b));
    }
  });

  it('orders bytes unsigned with shorter prefixes first', () => {
    expect(compareBytes(Uint8Array.from([0x7f]), Uint8Array.from([0x80]))).toBeLessThan(0);
    expect(compareBytes(Uint8Array.from([1]), Uint8Array.from([1, 0]))).toBeLessThan(0);
    expect(compareBytes(Uint8Array.from([2, 0]), Uint8Array.from([2, 0]))).toBe(0);
  });
});
