// Manifest files (spec: "Manifests"): an Avro container of manifest_entry records
// whose header carries the table schema and partition spec they were written with.
import { ValidationError } from '../errors.ts';
import type { AvroCodec } from './avro-container.ts';
import { readAvroContainer, writeAvroContainer } from './avro-container.ts';
import { parseJson, stringifyJson } from './json-bigint.ts';
import type { ManifestEntry } from './manifest-entry.ts';
import { entryFromAvro, entryToAvro } from './manifest-entry.ts';
import type { ManifestFormatVersion } from './manifest-schema.ts';
import {
  manifestEntrySchema,
  manifestFormatVersion,
  partitionFromAvro,
  writerRecordFields,
} from './manifest-schema.ts';
import type { PartitionSpec } from './partition-spec.ts';
import { partitionType } from './partition-spec.ts';
import { partitionFieldsFromJson, partitionFieldsToJson } from './partition-spec-json.ts';
import { schemaFromJson, schemaToJson } from './schema-json.ts';
import type { Schema } from './types.ts';

export type ManifestContent = 'data' | 'deletes';

export interface ManifestWriteContext {
  readonly schema: Schema;
  readonly spec: PartitionSpec;
  readonly formatVersion: ManifestFormatVersion;
  readonly content: ManifestContent;
  /** 16 bytes, e.g. from the caller's random source (this layer has none). */
  readonly syncMarker: Uint8Array;
  /** Defaults to 'deflate', as the reference implementation writes. */
  readonly codec?: AvroCodec;
}

export interface DecodedManifest {
  /** As stored: v2 entries may have null snapshot id / sequence numbers (see inheritManifestMetadata). */
  readonly entries: ManifestEntry[];
  readonly specId: number;
  readonly formatVersion: ManifestFormatVersion;
  readonly content: ManifestContent;
  /** The table schema from the file header, when present. */
  readonly schema?: Schema;
  /** The spec passed in, else the one from the file header, when present. */
  readonly spec?: PartitionSpec;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Encodes a manifest. ADDED entries with null sequence numbers inherit them from the manifest list. */
export function encodeManifest(entries: readonly ManifestEntry[], ctx: ManifestWriteContext): Uint8Array {
  const { spec, schema, formatVersion, content } = ctx;
  if (formatVersion === 1 && content !== 'data') {
    throw new ValidationError('v1 manifests hold data files only, not deletes');
  }
  const partition = partitionType(spec, schema);
  const records = entries.map((entry) => {
    const file = entry.dataFile;
    if ((file.content === 0) !== (content === 'data')) {
      throw new ValidationError(
        `a ${content} manifest cannot hold ${file.filePath} (content ${file.content})`,
      );
    }
    if (file.specId !== spec.specId) {
      throw new ValidationError(
        `${file.filePath} has partition spec ${file.specId}, the manifest spec ${spec.specId}`,
      );
    }
    return entryToAvro(entry, formatVersion, partition);
  });
  // spec: "Manifests": required key-value metadata of the Avro file
  const metadata: Record<string, string> = {
    schema: stringifyJson(schemaToJson(schema)),
    'schema-id': String(schema.schemaId),
    'partition-spec': stringifyJson(partitionFieldsToJson(spec.fields)),
    'partition-spec-id': String(spec.specId),
    'format-version': String(formatVersion),
    content,
  };
  return writeAvroContainer({
    schema: manifestEntrySchema(formatVersion, partition),
    records,
    metadata,
    codec: ctx.codec ?? 'deflate',
    syncMarker: ctx.syncMarker,
  });
}

/** Decodes a manifest written by any v1/v2 writer; `spec` overrides the one in the header. */
export function decodeManifest(bytes: Uint8Array, spec?: PartitionSpec): DecodedManifest {
  const container = readAvroContainer(bytes);
  const meta = container.metadata;
  const entryFields = writerRecordFields(container.schema);
  const formatVersion = manifestFormatVersion(meta['format-version'], () =>
    entryFields.some((f) => f.name === 'sequence_number'),
  );
  const content = meta.content ?? 'data';
  if (content !== 'data' && content !== 'deletes') {
    throw new ValidationError(`manifest header 'content' must be data or deletes, got '${content}'`);
  }
  const headerSpecId =
    meta['partition-spec-id'] === undefined ? undefined : Number(meta['partition-spec-id']);
  if (spec !== undefined && headerSpecId !== undefined && spec.specId !== headerSpecId) {
    throw new ValidationError(
      `manifest was written with partition spec ${headerSpecId}, not spec ${spec.specId}`,
    );
  }
  const schema = meta.schema === undefined ? undefined : schemaFromJson(parseJson(meta.schema));
  const resolvedSpec = spec ?? headerSpec(meta['partition-spec'], headerSpecId);
  const specId = resolvedSpec?.specId ?? headerSpecId ?? 0;

  const dataFileType = entryFields.find((f) => f.fieldId === 2 || f.name === 'data_file')?.type;
  const partitionSchema =
    dataFileType === undefined
      ? undefined
      : writerRecordFields(dataFileType).find((f) => f.fieldId === 102 || f.name === 'partition')?.type;
  if (partitionSchema === undefined)
    throw new ValidationError('manifest schema has no data_file.partition field');

  const entries = container.records.map((value) => {
    const record = value as Readonly<Record<string, unknown>>;
    const file = record.data_file as Readonly<Record<string, unknown>>;
    const tuple = partitionFromAvro(partitionSchema, file.partition as Record<string, unknown>, resolvedSpec);
    return entryFromAvro(record, formatVersion, specId, tuple);
  });
  return {
    entries,
    specId,
    formatVersion,
    content,
    ...(schema === undefined ? {} : { schema }),
    ...(resolvedSpec === undefined ? {} : { spec: resolvedSpec }),
    metadata: meta,
  };
}

function headerSpec(fieldsText: string | undefined, specId: number | undefined): PartitionSpec | undefined {
  if (fieldsText === undefined) return undefined;
  const fields = parseJson(fieldsText);
  if (!Array.isArray(fields))
    throw new ValidationError("manifest header 'partition-spec' is not a JSON array");
  return { specId: specId ?? 0, fields: partitionFieldsFromJson(fields, "manifest header 'partition-spec'") };
}
