// Which zstd settings a page gets when the table set no level: each column is
// tried at DEFAULT_ZSTD and at FAST_ZSTD and keeps the one that wins. Measured
// per column on the benchmark's rows (docs/benchmarks.md): random longs, doubles
// and timestamps come out as small or smaller at level 1 with a minimum match of
// 5, at a quarter less CPU; short strings are 5-15% larger there and stay at
// level 3. Picking per column made wide files 1.8% smaller for 17% less zstd CPU
// than level 3 everywhere. The choice changes only the size and the time: every
// page is a zstd frame whichever level made it.
//
// A page's column comes from where it is: pages follow column by column, and in a
// flat schema (no repeated leaves) a column chunk's data pages hold exactly its
// row group's rows (Parquet format: "Column chunks", DataPageHeader.num_values).
// Row groups hold maxRowGroupRows rows but the last; finish() knows every chunk
// from the footer. Choices are kept per thread and column layout (field ids,
// types, plain columns) across files, so a table's next commit starts from
// them, and are tried again every RETRY_PAGES pages.
import { constants, zstdCompressSync } from 'node:zlib';

/** How pages are compressed: a zstd level and, optionally, two of its parameters. */
export interface ZstdSettings {
  readonly level: number;
  /** ZSTD_c_minMatch; zstd picks one for the level when absent. */
  readonly minMatch?: number;
  /** ZSTD_c_hashLog (log2 of the match-finder table's entries); zstd picks one when absent. */
  readonly hashLog?: number;
  /** Choose between these settings and FAST_ZSTD column by column (see above). */
  readonly perColumn?: PerColumnZstd;
}

export interface PerColumnZstd {
  /** Files with the same key share their choices (the schema's columns and types). */
  readonly key: string;
  /** Leaf columns of the (flat) schema. */
  readonly columns: number;
  /** Rows of every row group but the last. */
  readonly rowGroupRows: number;
}

/** The other candidate: level 1 with a minimum match of 5. */
export const FAST_ZSTD: ZstdSettings = { level: 1, minMatch: 5 };

/** The faster settings win unless they are more than this much larger. */
const FAST_SLACK = 1.01;
/** A column's choice is tried again after this many of its pages. */
const RETRY_PAGES = 16;
/** Pages smaller than this are not worth a trial: the default settings. */
const MIN_TRIAL_BYTES = 4096;
/** Schemas remembered per thread; past it the memory starts over. */
const MAX_KEYS = 256;

interface Choice {
  fast: boolean;
  pagesLeft: number;
}

const choices = new Map<string, Choice[]>();

export function zstdParams(settings: ZstdSettings): Record<number, number> {
  const params: Record<number, number> = { [constants.ZSTD_c_compressionLevel]: settings.level };
  if (settings.minMatch !== undefined) params[constants.ZSTD_c_minMatch] = settings.minMatch;
  if (settings.hashLog !== undefined) params[constants.ZSTD_c_hashLog] = settings.hashLog;
  return params;
}

/** Compresses one file's pages, each with the settings its column won with. */
export class ZstdPageLevels {
  readonly #params: Record<number, number>;
  readonly #fast: Record<number, number>;
  readonly #perColumn: PerColumnZstd | undefined;
  readonly #choices: Choice[] | undefined;
  /** Column of the next page while counting values; undefined once the count went wrong. */
  #column: number | undefined = 0;
  #values = 0;

  constructor(settings: ZstdSettings) {
    this.#params = zstdParams(settings);
    this.#fast = zstdParams(FAST_ZSTD);
    this.#perColumn = settings.perColumn;
    if (this.#perColumn === undefined) return;
    let known = choices.get(this.#perColumn.key);
    if (known === undefined) {
      if (choices.size >= MAX_KEYS) choices.clear();
      known = [];
      choices.set(this.#perColumn.key, known);
    }
    this.#choices = known;
  }

  /**
   * The column of the next page, counted: `values` is a data page's num_values,
   * undefined for a dictionary page (which opens its chunk).
   */
  countedColumn(values: number | undefined): number | undefined {
    const perColumn = this.#perColumn;
    const column = this.#column;
    if (perColumn === undefined || column === undefined || values === undefined) return column;
    this.#values += values;
    if (this.#values === perColumn.rowGroupRows) {
      this.#values = 0;
      this.#column = (column + 1) % perColumn.columns;
    } else if (this.#values > perColumn.rowGroupRows) this.#column = undefined;
    return column;
  }

  /** The page body compressed; `slot` names the column's pages (undefined: the default settings). */
  compress(body: Uint8Array, slot: number | undefined): Buffer {
    const choices = this.#choices;
    if (choices === undefined || slot === undefined || body.length < MIN_TRIAL_BYTES) {
      return zstdCompressSync(body, { params: this.#params });
    }
    const choice = choices[slot];
    if (choice !== undefined && choice.pagesLeft > 0) {
      choice.pagesLeft--;
      return zstdCompressSync(body, { params: choice.fast ? this.#fast : this.#params });
    }
    const standard = zstdCompressSync(body, { params: this.#params });
    const fast = zstdCompressSync(body, { params: this.#fast });
    const fastWins = fast.length <= standard.length * FAST_SLACK;
    choices[slot] = { fast: fastWins, pagesLeft: RETRY_PAGES };
    return fastWins ? fast : standard;
  }
}

/** A page's slot: its column's data pages and its dictionary page are chosen for apart. */
export function pageSlot(column: number | undefined, dictionary: boolean): number | undefined {
  return column === undefined ? undefined : column * 2 + (dictionary ? 1 : 0);
}
