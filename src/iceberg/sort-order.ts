// Sort orders (spec: "Sorting") and their JSON form (spec: Appendix C, "Sort Orders").
import { ValidationError } from '../errors.ts';
import { asArray, asObject, requireInt, requireString } from './json-fields.ts';
import type { Transform } from './partition-spec.ts';
import { singleSourceId } from './partition-spec-json.ts';
import { parseTransform, transformToString } from './transforms.ts';

export type SortDirection = 'asc' | 'desc';
export type NullOrder = 'nulls-first' | 'nulls-last';

export interface SortField {
  readonly sourceId: number;
  readonly transform: Transform;
  readonly direction: SortDirection;
  readonly nullOrder: NullOrder;
}

export interface SortOrder {
  /** 0 is reserved for the unsorted order. */
  readonly orderId: number;
  readonly fields: readonly SortField[];
}

export const UNSORTED_ORDER: SortOrder = { orderId: 0, fields: [] };

export function isUnsorted(order: SortOrder): boolean {
  return order.fields.length === 0;
}

export function sortOrderToJson(order: SortOrder): unknown {
  return {
    'order-id': order.orderId,
    fields: order.fields.map((field) => ({
      transform: transformToString(field.transform),
      'source-id': field.sourceId,
      direction: field.direction,
      'null-order': field.nullOrder,
    })),
  };
}

export function sortOrderFromJson(json: unknown): SortOrder {
  const object = asObject(json, 'sort order');
  const orderId = requireInt(object, 'order-id', 'sort order');
  const where = `sort order ${orderId}`;
  const fields = asArray(object.fields, `'fields' of ${where}`).map((entry, index): SortField => {
    const fieldWhere = `field ${index} of ${where}`;
    const field = asObject(entry, fieldWhere);
    return {
      sourceId: singleSourceId(field, fieldWhere),
      transform: parseTransform(requireString(field, 'transform', fieldWhere)),
      direction: oneOf(
        requireString(field, 'direction', fieldWhere),
        ['asc', 'desc'],
        `'direction' of ${fieldWhere}`,
      ),
      nullOrder: oneOf(
        requireString(field, 'null-order', fieldWhere),
        ['nulls-first', 'nulls-last'],
        `'null-order' of ${fieldWhere}`,
      ),
    };
  });
  if (orderId === 0 && fields.length > 0) {
    throw new ValidationError(
      `sort order id 0 is reserved for the unsorted order, but it has ${fields.length} fields`,
    );
  }
  return { orderId, fields };
}

function oneOf<T extends string>(value: string, allowed: readonly T[], where: string): T {
  // the reference implementation writes lower case but reads either case
  const lower = value.toLowerCase();
  const match = allowed.find((candidate) => candidate === lower);
  if (match === undefined) {
    throw new ValidationError(`${where} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return match;
}
