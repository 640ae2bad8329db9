// Where a connector's reading stands per assigned partition (src/worker/partition-positions.ts).
import { describe, expect, it } from 'vitest';
import { partitionKey } from '../../../src/worker/kafka-types.ts';
import { PartitionPositions } from '../../../src/worker/partition-positions.ts';

const a0 = { topic: 'a', partition: 0 };
const a1 = { topic: 'a', partition: 1 };
const k0 = partitionKey('a', 0);
const k1 = partitionKey('a', 1);

describe('PartitionPositions', () => {
  it('knows no position of a newly assigned partition until one is resumed', () => {
    const positions = new PartitionPositions();
    positions.assign([a0, a1]);
    expect(positions.assigned).toEqual([a0, a1]);
    expect(positions.owns('a', 1)).toBe(true);
    expect(positions.owns('a', 2)).toBe(false);
    expect(positions.get(k0)).toBeUndefined();
    positions.resume(new Map([[k0, 42n]]));
    expect(positions.get(k0)).toBe(42n);
    expect(positions.get(k1)).toBeUndefined();
  });

  it('forgets a position the tables no longer know (resumed as undefined)', () => {
    const positions = new PartitionPositions();
    positions.assign([a0]);
    positions.set(k0, 7n);
    positions.resume(new Map([[k0, undefined]]));
    expect(positions.get(k0)).toBeUndefined();
  });

  it('drops a released partition with its position; a re-assignment starts unknown', () => {
    const positions = new PartitionPositions();
    positions.assign([a0, a1]);
    positions.set(k0, 5n);
    positions.set(k1, 9n);
    positions.release([a0]);
    expect(positions.assigned).toEqual([a1]);
    expect(positions.ownsKey(k0)).toBe(false);
    expect(positions.get(k0)).toBeUndefined();
    expect(positions.get(k1)).toBe(9n);
    positions.assign([a0]);
    expect(positions.get(k0)).toBeUndefined();
  });

  it('rewinds a dropped batch to where it began, only on partitions still assigned', () => {
    const positions = new PartitionPositions();
    positions.assign([a0, a1]);
    positions.set(k0, 100n);
    positions.set(k1, 200n);
    positions.release([a1]);
    positions.rewind([
      [k0, { from: 60n }],
      [k1, { from: 150n }],
    ]);
    expect(positions.get(k0)).toBe(60n);
    expect(positions.get(k1)).toBeUndefined();
  });

  it('reseeks each partition to what its tables recorded, else to where it stands; neither: nothing to re-read', () => {
    const a2 = { topic: 'a', partition: 2 };
    const k2 = partitionKey('a', 2);
    const positions = new PartitionPositions();
    positions.assign([a0, a1, a2]);
    positions.set(k0, 50n);
    positions.set(k1, 60n);
    const seek = positions.reseek(
      [a0, a1, a2],
      new Map([
        [k0, 40n],
        [k1, undefined],
      ]),
    );
    expect(seek).toEqual(
      new Map([
        [k0, 40n],
        [k1, 60n],
      ]),
    );
    expect(positions.get(k0)).toBe(40n);
    expect(positions.get(k1)).toBe(60n);
    expect(positions.get(k2)).toBeUndefined();
    // Only the partitions asked for move.
    expect(
      positions.reseek(
        [a1],
        new Map([
          [k0, 1n],
          [k1, 61n],
        ]),
      ),
    ).toEqual(new Map([[k1, 61n]]));
    expect(positions.get(k0)).toBe(40n);
  });
});
