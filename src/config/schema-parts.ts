// zod building blocks shared by the worker and connector schemas, with the
// messages config problems show.
import { z } from 'zod';

export const nonEmptyString = z.string().min(1, { error: 'must not be empty' });

export const positiveInt = z.number().int().positive({ error: 'must be greater than 0' });

export const nonNegativeInt = z.number().int().min(0, { error: 'must be 0 or more' });

export function intInRange(min: number, max: number) {
  return z
    .number()
    .int()
    .min(min, { error: `must be between ${min} and ${max}` })
    .max(max, { error: `must be between ${min} and ${max}` });
}

/** A string-to-string map; numbers and booleans are written as text (YAML reads `8: 9` as numbers). */
export const propertiesMap = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean()], { error: 'must be a string' }))
  .transform((map) => Object.fromEntries(Object.entries(map).map(([key, value]) => [key, String(value)])));

/** An http(s) URL. */
export const httpUrl = z.string().regex(/^https?:\/\/\S+$/, { error: 'must be an http:// or https:// URL' });
