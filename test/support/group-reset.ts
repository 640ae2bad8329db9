// Points a worker config at a new consumer group that starts at the earliest
// offset: a restart with no group offset to fall back on, so only the offsets
// floe keeps in its tables can say where to resume.
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

export function useNewGroup(configFile: string, groupId: string): string {
  const worker = parse(readFileSync(configFile, 'utf8')) as { kafka: Record<string, unknown> };
  worker.kafka = { ...worker.kafka, groupId, properties: { 'auto.offset.reset': 'earliest' } };
  writeFileSync(configFile, stringify(worker));
  return configFile;
}
