// Calendar arithmetic on the proleptic Gregorian calendar in UTC, counted from
// 1970-01-01: what the temporal transforms and partition path names need. Exact for
// any 64-bit micro/nano count (bigint paths) and floor-rounded before 1970.
import { floorDiv } from './primitive-value.ts';

export const MICROS_PER_HOUR = 3_600_000_000;
export const MICROS_PER_DAY = 86_400_000_000;
const EXACT_LIMIT = 2 ** 52;

export interface CivilDate {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number; // 1..31
}

/** floor(value / unit) exactly, for a safe integer value and a positive unit. */
function floorDivNumber(value: number, unit: number): number {
  let quotient = Math.floor(value / unit);
  // the float division may round across an integer; the remainder check corrects it
  const remainder = value - quotient * unit;
  if (remainder < 0) quotient -= 1;
  else if (remainder >= unit) quotient += 1;
  return quotient;
}

/** floor(value / unit) for a 64-bit count (bigint or safe integer number) and a unit below 2^40. */
export function floorDivCount(value: bigint | number, unit: number): number {
  // below 2^52 the product quotient * unit stays exact in a double
  if (value > -EXACT_LIMIT && value < EXACT_LIMIT) return floorDivNumber(Number(value), unit);
  return Number(floorDiv(BigInt(value), BigInt(unit)));
}

/** Year, month and day of a count of days since 1970-01-01 (negative before it). */
export function civilFromDays(days: number): CivilDate {
  // shift the epoch to 0000-03-01 so leap days fall at the end of each 400-year era
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const marchMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * marchMonth + 2) / 5) + 1;
  const month = marchMonth < 10 ? marchMonth + 3 : marchMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** Days since 1970-01-01 of a calendar date (inverse of civilFromDays). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const marchYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(marchYear / 400);
  const yearOfEra = marchYear - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Whole years from 1970 to the date's year (negative before 1970). */
export function yearsFromDays(days: number): number {
  return civilFromDays(days).year - 1970;
}

/** Whole months from 1970-01 to the date's month (negative before 1970). */
export function monthsFromDays(days: number): number {
  const { year, month } = civilFromDays(days);
  return (year - 1970) * 12 + month - 1;
}
