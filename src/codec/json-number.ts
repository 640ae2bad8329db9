// JSON text -> values with exact numbers. JSON.parse rounds every number to a
// double; integers beyond 2^53 and decimals with more than 15 significant digits
// would silently change. The fast path is plain JSON.parse; only text with a run
// of 16+ digits goes through a reviver that keeps those numbers exact.
import { PayloadError } from './payload-error.ts';

/** A non-integer JSON number too long for a double, kept as its text (decimal columns use the text). */
export class JsonNumberText {
  readonly text: string;
  readonly value: number;

  constructor(text: string) {
    this.text = text;
    this.value = Number(text);
  }
}

interface ReviverContext {
  readonly source?: string;
}
type SourceReviver = (this: unknown, key: string, value: unknown, context?: ReviverContext) => unknown;
const parseWithSource = JSON.parse as (text: string, reviver: SourceReviver) => unknown;

const LONG_DIGIT_RUN = /\d{16}/;
const INTEGER_LITERAL = /^-?\d+$/;

/** Parses JSON; big integers become bigint, long non-integers JsonNumberText. Throws PayloadError. */
export function parseJsonExact(text: string): unknown {
  try {
    if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text);
    return parseWithSource(text, (_key, value, context) => {
      if (typeof value !== 'number') return value;
      const source = context?.source;
      if (source === undefined || countDigits(source) <= 15) return value;
      if (INTEGER_LITERAL.test(source)) return Number.isSafeInteger(value) ? value : BigInt(source);
      return new JsonNumberText(source);
    });
  } catch (error) {
    throw new PayloadError('malformed', `invalid JSON: ${(error as Error).message}`, {}, { cause: error });
  }
}

function countDigits(source: string): number {
  let digits = 0;
  for (let i = 0; i < source.length; i++) {
    const code = source.charCodeAt(i);
    if (code === 0x65 || code === 0x45) break; // exponent
    if (code >= 0x30 && code <= 0x39) digits++;
  }
  return digits;
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The unscaled value of a decimal number text at `scale`, or a reason it does not
 * fit: digits beyond the scale must be zeros (no silent rounding), and the result
 * must have at most `precision` digits.
 */
export function unscaledFromText(text: string, precision: number, scale: number): bigint | string {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (m === null || (m[2] === '' && (m[3] ?? '') === '')) return `"${text}" is not a decimal number`;
  let digits = (m[2] ?? '') + (m[3] ?? '');
  // position of the decimal point counted from the left of `digits`
  const point = (m[2] ?? '').length + Number(m[4] ?? 0);
  const wanted = point + scale;
  if (wanted < 0) {
    if (/[1-9]/.test(digits)) return `${text} has more than ${scale} decimal places`;
    return 0n;
  }
  if (digits.length > wanted) {
    if (/[1-9]/.test(digits.slice(wanted))) return `${text} has more than ${scale} decimal places`;
    digits = digits.slice(0, wanted);
  } else {
    digits = digits.padEnd(wanted, '0');
  }
  const unscaled = BigInt(digits === '' ? '0' : digits) * (m[1] === '-' ? -1n : 1n);
  const limit = 10n ** BigInt(precision);
  if (unscaled >= limit || unscaled <= -limit) return `${text} does not fit decimal(${precision},${scale})`;
  return unscaled;
}
