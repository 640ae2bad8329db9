// The parts of a Parquet footer floe records in manifests: leaf field ids, column
// chunk sizes and row group offsets (Parquet format: "File Format", "Metadata";
// FileMetaData / RowGroup / ColumnChunk / ColumnMetaData / SchemaElement).
import { ValidationError } from '../errors.ts';
import { ThriftCompactReader, ThriftType } from './thrift-compact-reader.ts';

const MAGIC = 'PAR1';

export interface ParquetColumnChunk {
  /** Parquet CompressionCodec: 0 uncompressed, 1 snappy, 2 gzip, 4 brotli, 6 zstd, 7 lz4_raw. */
  readonly codec: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  readonly numValues: number;
  /** First byte of the chunk: the dictionary page if any, else the first data page. */
  readonly startOffset: number;
}

export interface ParquetRowGroup {
  readonly numRows: number;
  readonly columns: readonly ParquetColumnChunk[];
}

export interface ParquetFooter {
  readonly numRows: number;
  /** Field id of each leaf column in file order (undefined when the schema has none). */
  readonly leafFieldIds: readonly (number | undefined)[];
  readonly leafNames: readonly string[];
  readonly rowGroups: readonly ParquetRowGroup[];
}

interface SchemaElement {
  name: string;
  numChildren: number;
  fieldId: number | undefined;
}

export function readParquetFooter(file: Uint8Array): ParquetFooter {
  const n = file.length;
  if (n < 12 || trailer(file, n - 4) !== MAGIC || trailer(file, 0) !== MAGIC) {
    throw new ValidationError('not a Parquet file: PAR1 magic missing', { length: n });
  }
  const metadataLength = new DataView(file.buffer, file.byteOffset + n - 8, 4).getUint32(0, true);
  const start = n - 8 - metadataLength;
  if (start < 4) throw new ValidationError('Parquet footer length is out of range', { metadataLength });
  const reader = new ThriftCompactReader(file.subarray(start, n - 8));

  const schema: SchemaElement[] = [];
  const rowGroups: ParquetRowGroup[] = [];
  let numRows = 0;
  reader.readStruct((id, type) => {
    if (id === 2 && type === ThriftType.list) reader.readList(() => schema.push(readSchemaElement(reader)));
    else if (id === 3) numRows = reader.readInt(type);
    else if (id === 4 && type === ThriftType.list)
      reader.readList(() => rowGroups.push(readRowGroup(reader)));
    else reader.skip(type);
  });
  const leaves = schema.slice(1).filter((element) => element.numChildren === 0);
  return {
    numRows,
    leafFieldIds: leaves.map((leaf) => leaf.fieldId),
    leafNames: leaves.map((leaf) => leaf.name),
    rowGroups,
  };
}

function trailer(file: Uint8Array, at: number): string {
  return String.fromCharCode(file[at] ?? 0, file[at + 1] ?? 0, file[at + 2] ?? 0, file[at + 3] ?? 0);
}

function readSchemaElement(reader: ThriftCompactReader): SchemaElement {
  const element: SchemaElement = { name: '', numChildren: 0, fieldId: undefined };
  reader.readStruct((id, type) => {
    if (id === 4) element.name = reader.readString();
    else if (id === 5) element.numChildren = reader.readInt(type);
    else if (id === 9) element.fieldId = reader.readInt(type);
    else reader.skip(type);
  });
  return element;
}

function readRowGroup(reader: ThriftCompactReader): ParquetRowGroup {
  const columns: ParquetColumnChunk[] = [];
  let numRows = 0;
  reader.readStruct((id, type) => {
    if (id === 1 && type === ThriftType.list) reader.readList(() => columns.push(readColumnChunk(reader)));
    else if (id === 3) numRows = reader.readInt(type);
    else reader.skip(type);
  });
  return { numRows, columns };
}

function readColumnChunk(reader: ThriftCompactReader): ParquetColumnChunk {
  let chunk: ParquetColumnChunk | undefined;
  reader.readStruct((id, type) => {
    if (id === 3 && type === ThriftType.struct) chunk = readColumnMetaData(reader);
    else reader.skip(type);
  });
  if (chunk === undefined) throw new ValidationError('Parquet column chunk has no meta_data');
  return chunk;
}

function readColumnMetaData(reader: ThriftCompactReader): ParquetColumnChunk {
  let codec = 0;
  let numValues = 0;
  let uncompressedSize = 0;
  let compressedSize = 0;
  let dataPageOffset = 0;
  let dictionaryPageOffset: number | undefined;
  reader.readStruct((id, type) => {
    if (id === 4) codec = reader.readInt(type);
    else if (id === 5) numValues = reader.readInt(type);
    else if (id === 6) uncompressedSize = reader.readInt(type);
    else if (id === 7) compressedSize = reader.readInt(type);
    else if (id === 9) dataPageOffset = reader.readInt(type);
    else if (id === 11) dictionaryPageOffset = reader.readInt(type);
    else reader.skip(type);
  });
  const startOffset =
    dictionaryPageOffset !== undefined && dictionaryPageOffset > 0 && dictionaryPageOffset < dataPageOffset
      ? dictionaryPageOffset
      : dataPageOffset;
  return { codec, compressedSize, uncompressedSize, numValues, startOffset };
}
