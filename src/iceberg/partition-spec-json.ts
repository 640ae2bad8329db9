// spec: Appendix C, "Partition Specs": the JSON form of a partition spec.
import { ValidationError } from '../errors.ts';
import type { JsonObject } from './json-fields.ts';
import { asArray, asObject, optionalInt, requireInt, requireString } from './json-fields.ts';
import type { PartitionField, PartitionSpec } from './partition-spec.ts';
import { PARTITION_FIELD_ID_START } from './partition-spec.ts';
import { parseTransform, transformToString } from './transforms.ts';

export function partitionSpecToJson(spec: PartitionSpec): unknown {
  return { 'spec-id': spec.specId, fields: partitionFieldsToJson(spec.fields) };
}

/** The bare field list, as in v1 metadata's deprecated 'partition-spec'. */
export function partitionFieldsToJson(fields: readonly PartitionField[]): unknown[] {
  return fields.map((field) => ({
    'source-id': field.sourceId,
    'field-id': field.fieldId,
    name: field.name,
    transform: transformToString(field.transform),
  }));
}

/**
 * A spec from its JSON object, or from a bare field list (v1's 'partition-spec', spec id 0).
 * v1 fields without 'field-id' are numbered from 1000 in order, as the reference implementation did.
 */
export function partitionSpecFromJson(json: unknown): PartitionSpec {
  if (Array.isArray(json)) return { specId: 0, fields: partitionFieldsFromJson(json, 'partition-spec') };
  const object = asObject(json, 'partition spec');
  const specId = requireInt(object, 'spec-id', 'partition spec');
  const where = `partition spec ${specId}`;
  return { specId, fields: partitionFieldsFromJson(asArray(object.fields, `'fields' of ${where}`), where) };
}

export function partitionFieldsFromJson(json: readonly unknown[], where: string): PartitionField[] {
  const fields = json.map((entry, index) => {
    const fieldWhere = `field ${index} of ${where}`;
    const object = asObject(entry, fieldWhere);
    return {
      sourceId: singleSourceId(object, fieldWhere),
      fieldId: optionalInt(object, 'field-id', fieldWhere) ?? PARTITION_FIELD_ID_START + index,
      name: requireString(object, 'name', fieldWhere),
      transform: parseTransform(requireString(object, 'transform', fieldWhere)),
    };
  });
  const ids = new Set(fields.map((field) => field.fieldId));
  if (ids.size !== fields.length) throw new ValidationError(`${where} repeats a partition field id`);
  return fields;
}

/** 'source-id', or a v3 'source-ids' list of one id (multi-argument transforms are not supported). */
export function singleSourceId(object: JsonObject, where: string): number {
  if (object['source-id'] !== undefined && object['source-id'] !== null) {
    return requireInt(object, 'source-id', where);
  }
  const ids = asArray(object['source-ids'], `'source-id' or 'source-ids' of ${where}`);
  if (ids.length !== 1 || !Number.isSafeInteger(ids[0])) {
    throw new ValidationError(
      `'source-ids' of ${where} must hold exactly one int (multi-argument transforms are not supported), got ${JSON.stringify(ids)}`,
    );
  }
  return ids[0] as number;
}
