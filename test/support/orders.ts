// The reference Avro "orders" records of the worker tests: deterministic per id,
// with the JSON form the PyIceberg reader prints for each.

import { decimalBytes } from './kafka-tools.ts';
import { pyDecimal, pyTimestamptz } from './reader-form.ts';

export const ORDER_SCHEMA_V1 = {
  type: 'record',
  name: 'Order',
  namespace: 'floe.it',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'customer', type: 'string' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'qty', type: 'int' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

const BASE_MICROS = 1_717_200_000_000_000n; // 2024-06-01T00:00:00Z

export function orderTs(i: number): bigint {
  return BASE_MICROS + BigInt(i) * 2_000_000n;
}
export function orderAmount(i: number): bigint {
  return BigInt(((i * 37) % 100_000) - 50_000);
}

/** The Avro payload (as the registry package's avsc encoder wants it). */
export function orderPayload(i: number): Record<string, unknown> {
  return {
    id: i,
    ts: Number(orderTs(i)),
    customer: `c${i % 977}`,
    amount: decimalBytes(orderAmount(i)),
    qty: i % 50,
    note: i % 3 === 0 ? null : `n${i}`,
  };
}

/** What PyIceberg prints for order i. */
export function orderRow(i: number): Record<string, unknown> {
  return {
    id: i,
    ts: pyTimestamptz(orderTs(i)),
    customer: `c${i % 977}`,
    amount: pyDecimal(orderAmount(i), 2),
    qty: i % 50,
    note: i % 3 === 0 ? null : `n${i}`,
  };
}
