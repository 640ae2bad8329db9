// A fixed piece of CPU work that does not depend on floe's code, timed before a
// benchmark, so figures taken on different machines can be put side by side:
// the same tree ran 1.5-1.8x slower on one 2-core machine than on another
// (docs/benchmarks.md, session 11). It is a yardstick for the machine's speed
// (one core, with whatever the neighbours leave), not a figure of floe's.
import { constants, zstdCompressSync } from 'node:zlib';

const BYTES = 8 * 1024 * 1024;
const ROUNDS = 5;

/** Deterministic page-like bytes: small integers and doubles, as Parquet pages hold. */
function sample(): Buffer {
  const bytes = Buffer.alloc(BYTES);
  let seed = 1;
  for (let at = 0; at + 8 <= BYTES; at += 8) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    if (seed & 1) bytes.writeDoubleLE(seed / 1024, at);
    else bytes.writeInt32LE(seed % 10_000, at);
  }
  return bytes;
}

/** JavaScript work: an LCG's values sorted and hashed (the JIT, the GC's young generation). */
function jsWork(): number {
  const values: number[] = [];
  let seed = 7;
  for (let i = 0; i < 300_000; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    values.push(seed);
  }
  values.sort((a, b) => a - b);
  let hash = 0;
  for (const value of values) hash = (Math.imul(hash, 31) + value) | 0;
  return hash;
}

export interface Calibration {
  /** Best CPU milliseconds of zstd level 3 over 8 MiB. */
  readonly zstdMs: number;
  /** Best CPU milliseconds of the JavaScript work. */
  readonly jsMs: number;
}

export function calibrateMachine(): Calibration {
  const bytes = sample();
  const params = { [constants.ZSTD_c_compressionLevel]: 3 };
  let zstdMs = Infinity;
  let jsMs = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    let start = process.cpuUsage();
    zstdCompressSync(bytes, { params });
    let used = process.cpuUsage(start);
    zstdMs = Math.min(zstdMs, (used.user + used.system) / 1000);
    start = process.cpuUsage();
    jsWork();
    used = process.cpuUsage(start);
    jsMs = Math.min(jsMs, (used.user + used.system) / 1000);
  }
  return { zstdMs, jsMs };
}

export function formatCalibration(calibration: Calibration): string {
  return `machine yardstick: zstd ${calibration.zstdMs.toFixed(0)} ms, JavaScript ${calibration.jsMs.toFixed(0)} ms (best of ${ROUNDS}; lower is faster)`;
}
