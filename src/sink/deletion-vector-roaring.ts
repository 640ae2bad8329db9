// The portable 32-bit roaring bitmap codec of deletion vectors
// (iceberg/deletion-vector.ts frames them), from roaring-wasm: CRoaring
// compiled to WebAssembly, loaded synchronously in Node, no native build. The
// only file that imports the package. Bitmaps live in WebAssembly memory and
// are disposed right after each call; run containers are used where smaller
// (runOptimize), as Java's writer does before serializing.
import { RoaringBitmap32 } from 'roaring-wasm';
import type { Roaring32Codec } from '../iceberg/deletion-vector.ts';

export const roaringCodec: Roaring32Codec = {
  serialize(values: Uint32Array): Uint8Array {
    const bitmap = new RoaringBitmap32();
    try {
      bitmap.addMany(values);
      bitmap.runOptimize();
      return bitmap.serialize('portable');
    } finally {
      bitmap.dispose();
    }
  },
  deserialize(bytes: Uint8Array): { values: Uint32Array; length: number } {
    const bitmap = RoaringBitmap32.deserialize('portable', bytes);
    try {
      // The library reads only what the bitmap needs; its portable size is what it read
      // (containers keep their kind on deserialization).
      return { values: bitmap.toUint32Array(), length: bitmap.getSerializationSizeInBytes('portable') };
    } finally {
      bitmap.dispose();
    }
  },
};
