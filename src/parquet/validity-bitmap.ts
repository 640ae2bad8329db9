// Arrow validity bitmap (bit set = value present), materialized only once the
// first null arrives so all-valid columns cost nothing per row.

const INITIAL_BYTES = 64;

export class ValidityBitmap {
  length = 0;
  nullCount = 0;
  private bits: Uint8Array | undefined = undefined;
  /** Slots the bitmap is made for when the first null comes (presize: no growing after). */
  private expected = 0;
  /** A finished bitmap's buffer (recycle), cleared and used by materialize when large enough. */
  private spare: Uint8Array | undefined = undefined;

  /** Expects `slots` slots in all: a bitmap made later has room for them. */
  expect(slots: number): void {
    this.expected = slots;
  }

  appendValid(): void {
    if (this.bits !== undefined) {
      const i = this.length;
      if (i >> 3 >= this.bits.length) this.grow();
      this.bits[i >> 3]! |= 1 << (i & 7);
    }
    this.length++;
  }

  appendNull(): void {
    if (this.bits === undefined) this.materialize();
    else if (this.length >> 3 >= this.bits.length) this.grow();
    this.nullCount++;
    this.length++;
  }

  /**
   * Drops the slots from `length` on (a rolled-back row). Their bits are cleared
   * because appendNull relies on unused bits being zero.
   */
  truncate(length: number): void {
    if (length >= this.length) return;
    const bits = this.bits;
    if (bits !== undefined) {
      for (let i = length; i < this.length; i++) {
        const mask = 1 << (i & 7);
        if ((bits[i >> 3] as number) & mask) bits[i >> 3] = (bits[i >> 3] as number) & ~mask;
        else this.nullCount--;
      }
    }
    this.length = length;
  }

  /** Keeps the buffer of `finished`, whose bitmap is read no more, for this bitmap's first null. */
  recycle(finished: ValidityBitmap): void {
    this.spare = finished.bits ?? finished.spare;
  }

  /** The bitmap for `makeData`, or undefined when there is no null. */
  finish(): Uint8Array | undefined {
    if (this.bits === undefined) return undefined;
    return this.bits.subarray(0, (this.length + 7) >> 3);
  }

  byteLength(): number {
    return this.bits === undefined ? 0 : (this.length + 7) >> 3;
  }

  private materialize(): void {
    const size = Math.max(INITIAL_BYTES, ((this.length + 8) >> 3) * 2, (this.expected + 7) >> 3);
    const spare = this.spare;
    this.spare = undefined;
    // appendNull relies on unused bits being zero: a recycled buffer is cleared first.
    const bits = spare !== undefined && spare.length >= size ? spare.fill(0) : new Uint8Array(size);
    const fullBytes = this.length >> 3;
    bits.fill(0xff, 0, fullBytes);
    for (let i = fullBytes << 3; i < this.length; i++) bits[i >> 3]! |= 1 << (i & 7);
    this.bits = bits;
  }

  private grow(): void {
    const old = this.bits as Uint8Array;
    const bits = new Uint8Array(old.length * 2);
    bits.set(old);
    this.bits = bits;
  }
}
