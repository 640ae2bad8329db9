// zstd at a chosen level for the Parquet files parquet-wasm writes. parquet-wasm
// 0.8 compresses with zstd level 1 and has no level setting; parquet-mr (Iceberg
// Java) uses level 3, which makes numeric columns a quarter to a third smaller.
// So parquet-wasm writes UNCOMPRESSED pages and this rewrites the file as it
// streams by: each page body is compressed with Node's zstd (native, faster than
// the WebAssembly one), its header gets the new size, and at the end the offset
// indexes and the footer get the new codec, sizes and offsets (Parquet format:
// PageHeader, OffsetIndex/PageLocation, ColumnMetaData, RowGroup). Column indexes,
// statistics and every other field are kept as written.
import { ValidationError } from '../errors.ts';
import { ThriftType } from './thrift-compact-reader.ts';
import {
  intField,
  listField,
  readThriftStruct,
  setIntField,
  structField,
  type ThriftStruct,
  ThriftTruncated,
  writeThriftStruct,
} from './thrift-compact-tree.ts';
import { pageSlot, ZstdPageLevels, type ZstdSettings } from './zstd-page-levels.ts';

const MAGIC = new TextEncoder().encode('PAR1');
const CODEC_UNCOMPRESSED = 0;
const CODEC_ZSTD = 6;
/** PageType.DICTIONARY_PAGE. */
const PAGE_DICTIONARY = 2;

/**
 * The settings when the table sets no level (write.parquet.compression-level).
 * parquet-mr uses level 3. On the benchmark's wide rows plain level 3 left floe's
 * files 1% larger than Iceberg Java's for the same rows and level 4 1.4% smaller,
 * but level 4 costs about twice the compression CPU. Level 3 with a minimum match
 * of 5 bytes came within 0.3% of level 4's bytes at level 3's speed (figures in
 * docs/benchmarks.md). Pages hold 20,000-25,000 rows, mostly 100-300 KiB, for
 * which level 3's table of 8-byte matches (2^16-2^17 entries) costs more in
 * cache misses than it finds: 2^14 cut zstd's CPU by 9% on the benchmark's wide
 * rows and 11% on reference rows, for +0.5% bytes on wide rows (won back by the
 * larger pages of WRITE_BATCH_ROWS, parquet-wasm-writer.ts) and +0.1% on
 * reference rows. An explicit level is used as zstd defines it. Column by
 * column, level 1 may win over these (zstd-page-levels.ts).
 */
export const DEFAULT_ZSTD: ZstdSettings = { level: 3, minMatch: 5, hashLog: 14 };

interface Moved {
  /** Output offset and length (header included). */
  readonly start: number;
  readonly length: number;
  /** Input offset just past the page. */
  readonly inputEnd: number;
}

/**
 * Rewrites one file: `pages()` takes bytes that hold nothing but the magic and
 * pages (whatever arrow-rs flushed before its input ended), `finish()` the rest
 * of the file, indexes and footer included. Output goes to `emit` in order.
 */
export class ParquetPageRecompressor {
  readonly #levels: ZstdPageLevels;
  /** In finish(): the column of every chunk left, from the footer, in file order. */
  #chunkColumns: { start: number; end: number; column: number }[] | undefined;
  readonly #emit: (bytes: Uint8Array) => void;
  #pending: Uint8Array = new Uint8Array(0);
  /** File offset of #pending[0] in the input and of the next output byte. */
  #inOffset = 0;
  #outOffset = 0;
  /** Input page start -> where the page (header included) went. */
  readonly #pages = new Map<number, Moved>();
  #out: Uint8Array[] = [];

  constructor(zstd: ZstdSettings, emit: (bytes: Uint8Array) => void) {
    this.#levels = new ZstdPageLevels(zstd);
    this.#emit = emit;
  }

  /** Whether bytes passed in are still referenced (a page not yet whole); if not, the caller may free them. */
  get holdsInput(): boolean {
    return this.#pending.length > 0;
  }

  pages(bytes: Uint8Array): void {
    this.#append(bytes);
    this.#rewritePages(Number.POSITIVE_INFINITY);
    this.#flush();
  }

  finish(bytes: Uint8Array): void {
    this.#append(bytes);
    const pending = this.#pending;
    const n = pending.length;
    if (n < 8 || !isMagic(pending, n - 4)) throw invalid('the file does not end with PAR1');
    const footerLength = new DataView(pending.buffer, pending.byteOffset + n - 8, 4).getUint32(0, true);
    const footerAt = n - 8 - footerLength;
    if (footerAt < 0) throw invalid('the footer starts before the bytes not yet rewritten');
    const footerFileAt = this.#inOffset + footerAt;
    const footer = readThriftStruct(pending, footerAt).struct;
    const chunks = columnChunks(footer);
    const dataEnd = Math.max(MAGIC.length, this.#inOffset, ...chunks.map((c) => chunkStart(c.meta) + c.size));
    this.#chunkColumns = chunks
      .map((c) => ({ start: chunkStart(c.meta), end: chunkStart(c.meta) + c.size, column: c.column }))
      .filter((c) => c.end > this.#inOffset)
      .sort((a, b) => a.start - b.start);
    this.#rewritePages(dataEnd);
    if (this.#inOffset !== dataEnd)
      throw invalid(`pages end at ${this.#inOffset}, the footer says ${dataEnd}`);
    const indexes = this.#rewriteIndexes(chunks, footerFileAt);
    for (const chunk of chunks) this.#moveChunk(chunk);
    for (const rowGroup of listField(footer, 4) ?? []) {
      if (rowGroup.type === ThriftType.struct) this.#moveRowGroup(rowGroup.struct);
    }
    for (const index of indexes) this.#put(index);
    const rewritten = writeThriftStruct(footer);
    const trailer = new Uint8Array(8);
    new DataView(trailer.buffer).setUint32(0, rewritten.length, true);
    trailer.set(MAGIC, 4);
    this.#put(rewritten);
    this.#put(trailer);
    this.#pending = new Uint8Array(0);
    this.#flush();
  }

  #append(bytes: Uint8Array): void {
    if (this.#pending.length === 0) this.#pending = bytes;
    else {
      const joined = new Uint8Array(this.#pending.length + bytes.length);
      joined.set(this.#pending);
      joined.set(bytes, this.#pending.length);
      this.#pending = joined;
    }
  }

  /** Rewrites every whole page in #pending that ends at or before `limit` (a file offset). */
  #rewritePages(limit: number): void {
    const pending = this.#pending;
    let at = 0;
    if (this.#inOffset === 0) {
      if (pending.length < 4) return;
      if (!isMagic(pending, 0)) throw invalid('the file does not start with PAR1');
      this.#put(MAGIC.slice()); // a copy: the piece it goes out in may be moved to another thread
      at = 4;
    }
    while (this.#inOffset + at < limit && at < pending.length) {
      let header: ThriftStruct;
      let bodyAt: number;
      try {
        ({ struct: header, end: bodyAt } = readThriftStruct(pending, at));
      } catch (error) {
        if (error instanceof ThriftTruncated) break;
        throw error;
      }
      const size = intField(header, 3);
      if (size === undefined || size < 0) throw invalid(`page at ${this.#inOffset + at} has no size`);
      const end = bodyAt + size;
      if (end > pending.length || this.#inOffset + end > limit) break;
      const start = this.#outOffset;
      this.#compressPage(header, pending.subarray(bodyAt, end), this.#inOffset + at);
      const inputEnd = this.#inOffset + end;
      this.#pages.set(this.#inOffset + at, { start, length: this.#outOffset - start, inputEnd });
      at = end;
    }
    // An empty rest must not keep the whole piece alive until the next one.
    this.#pending = at === pending.length ? new Uint8Array(0) : pending.subarray(at);
    this.#inOffset += at;
  }

  /** Writes the page's new header and compressed body (V1 pages: levels and values compressed together). */
  #compressPage(header: ThriftStruct, body: Uint8Array, inputAt: number): void {
    // floe never asks arrow-rs for V2 data pages (8), whose levels stay uncompressed.
    if (structField(header, 8) !== undefined) throw invalid('V2 data pages are not supported');
    const dictionary = intField(header, 1) === PAGE_DICTIONARY;
    const dataPage = structField(header, 5);
    const column =
      this.#chunkColumns === undefined
        ? this.#levels.countedColumn(dictionary || dataPage === undefined ? undefined : intField(dataPage, 1))
        : this.#finishColumn(inputAt);
    const compressed = this.#levels.compress(body, pageSlot(column, dictionary));
    setIntField(header, 3, ThriftType.i32, compressed.length);
    // A CRC (4) covered the uncompressed bytes; arrow-rs writes none unless asked.
    const crc = header.findIndex((f) => f.id === 4);
    if (crc !== -1) header.splice(crc, 1);
    this.#put(writeThriftStruct(header));
    this.#put(compressed);
  }

  /** The column of the chunk that holds the page at `inputAt` (pages come in file order). */
  #finishColumn(inputAt: number): number | undefined {
    const chunks = this.#chunkColumns!;
    while (chunks.length > 0 && chunks[0]!.end <= inputAt) chunks.shift();
    const chunk = chunks[0];
    return chunk !== undefined && chunk.start <= inputAt ? chunk.column : undefined;
  }

  /** The column and offset indexes between the pages and the footer, in their order, rewritten. */
  #rewriteIndexes(chunks: readonly Chunk[], footerAt: number): Uint8Array[] {
    const entries: { at: number; length: number; chunk: ThriftStruct; offsetIndex: boolean }[] = [];
    for (const { chunk } of chunks) {
      for (const [offsetId, offsetIndex] of [
        [6, false],
        [4, true],
      ] as const) {
        const at = intField(chunk, offsetId);
        const length = intField(chunk, offsetId + 1);
        if (at !== undefined && length !== undefined) entries.push({ at, length, chunk, offsetIndex });
      }
    }
    entries.sort((a, b) => a.at - b.at);
    let expected = this.#inOffset;
    const out: Uint8Array[] = [];
    let outAt = this.#outOffset;
    for (const entry of entries) {
      if (entry.at !== expected) throw invalid(`unexpected bytes at ${expected} before the footer`);
      const bytes = this.#pending.subarray(
        entry.at - this.#inOffset,
        entry.at - this.#inOffset + entry.length,
      );
      const rewritten = entry.offsetIndex ? this.#rewriteOffsetIndex(bytes) : bytes;
      setIntField(entry.chunk, entry.offsetIndex ? 4 : 6, ThriftType.i64, outAt);
      setIntField(entry.chunk, entry.offsetIndex ? 5 : 7, ThriftType.i32, rewritten.length);
      out.push(rewritten);
      outAt += rewritten.length;
      expected = entry.at + entry.length;
    }
    if (expected !== footerAt) throw invalid(`unexpected bytes at ${expected} before the footer`);
    return out;
  }

  #rewriteOffsetIndex(bytes: Uint8Array): Uint8Array {
    const index = readThriftStruct(bytes).struct;
    for (const location of listField(index, 1) ?? []) {
      if (location.type !== ThriftType.struct) continue;
      const moved = this.#moved(intField(location.struct, 1));
      setIntField(location.struct, 1, ThriftType.i64, moved.start);
      setIntField(location.struct, 2, ThriftType.i32, moved.length);
    }
    return writeThriftStruct(index);
  }

  #moveChunk({ meta, size }: Chunk): void {
    const start = chunkStart(meta);
    let length = 0;
    for (let at = start; at < start + size; ) {
      const page = this.#moved(at);
      length += page.length;
      at = page.inputEnd;
    }
    setIntField(meta, 4, ThriftType.i32, CODEC_ZSTD);
    setIntField(meta, 7, ThriftType.i64, length);
    setIntField(meta, 9, ThriftType.i64, this.#moved(intField(meta, 9)).start);
    for (const id of [10, 11]) {
      const at = intField(meta, id);
      if (at !== undefined) setIntField(meta, id, ThriftType.i64, this.#moved(at).start);
    }
  }

  #moveRowGroup(rowGroup: ThriftStruct): void {
    let total = 0;
    let first: number | undefined;
    for (const chunk of listField(rowGroup, 1) ?? []) {
      if (chunk.type !== ThriftType.struct) continue;
      const meta = structField(chunk.struct, 3);
      if (meta === undefined) continue;
      total += intField(meta, 7) ?? 0;
      first ??= intField(meta, 11) ?? intField(meta, 9);
    }
    if (intField(rowGroup, 6) !== undefined) setIntField(rowGroup, 6, ThriftType.i64, total);
    if (intField(rowGroup, 5) !== undefined && first !== undefined)
      setIntField(rowGroup, 5, ThriftType.i64, first);
  }

  #moved(inputOffset: number | undefined): Moved {
    const moved = inputOffset === undefined ? undefined : this.#pages.get(inputOffset);
    if (moved === undefined) throw invalid(`no page starts at offset ${inputOffset}`);
    return moved;
  }

  #put(bytes: Uint8Array): void {
    this.#out.push(bytes);
    this.#outOffset += bytes.length;
  }

  #flush(): void {
    if (this.#out.length === 0) return;
    const parts = this.#out;
    this.#out = [];
    if (parts.length === 1) {
      this.#emit(parts[0]!);
      return;
    }
    const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let at = 0;
    for (const part of parts) {
      joined.set(part, at);
      at += part.length;
    }
    this.#emit(joined);
  }
}

/** A whole file at once (what writeParquet returned). */
export function recompressParquetFile(bytes: Uint8Array, zstd: ZstdSettings): Uint8Array {
  const out: Uint8Array[] = [];
  new ParquetPageRecompressor(zstd, (piece) => out.push(piece)).finish(bytes);
  return out[0]!;
}

interface Chunk {
  readonly chunk: ThriftStruct;
  readonly meta: ThriftStruct;
  /** total_compressed_size as written: headers and bodies of the chunk's pages. */
  readonly size: number;
  /** Its place in the row group: the leaf column. */
  readonly column: number;
}

function columnChunks(footer: ThriftStruct): Chunk[] {
  const chunks: Chunk[] = [];
  for (const rowGroup of listField(footer, 4) ?? []) {
    if (rowGroup.type !== ThriftType.struct) continue;
    (listField(rowGroup.struct, 1) ?? []).forEach((chunk, column) => {
      if (chunk.type !== ThriftType.struct) return;
      const meta = structField(chunk.struct, 3);
      if (meta === undefined) throw invalid('a column chunk has no metadata');
      if (intField(meta, 4) !== CODEC_UNCOMPRESSED) throw invalid('a column chunk is already compressed');
      if (intField(meta, 14) !== undefined) throw invalid('bloom filters are not supported');
      chunks.push({ chunk: chunk.struct, meta, size: intField(meta, 7) ?? 0, column });
    });
  }
  return chunks;
}

function chunkStart(meta: ThriftStruct): number {
  const start = intField(meta, 11) ?? intField(meta, 9);
  if (start === undefined) throw invalid('a column chunk has no data page offset');
  return start;
}

function isMagic(bytes: Uint8Array, at: number): boolean {
  return MAGIC.every((b, i) => bytes[at + i] === b);
}

function invalid(reason: string): ValidationError {
  return new ValidationError(`recompressing a Parquet file failed: ${reason}`);
}
