// Coordinates of the local service stack (scripts/services) for the benchmark:
// the environment wins, then scripts/services.env's defaults.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BenchServices {
  readonly root: string;
  readonly kafkaBrokers: string;
  readonly registryUrl: string;
  /** Apicurio's own v2 API on the same server (Kafka Connect's converter speaks it). */
  readonly registryV2Url: string;
  readonly restUri: string;
  readonly restWarehouse: string;
  readonly s3: {
    readonly endpoint: string;
    readonly region: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
  };
}

export function benchServices(env: NodeJS.ProcessEnv = process.env): BenchServices {
  const root = new URL('../../', import.meta.url).pathname;
  const defaults = Object.fromEntries(
    readFileSync(join(root, 'scripts/services.env'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.split('=', 2) as [string, string]),
  );
  const v = { ...defaults, ...env } as Record<string, string>;
  const registryBase = `http://127.0.0.1:${v.FLOE_REGISTRY_PORT}`;
  return {
    root,
    kafkaBrokers: v.FLOE_KAFKA_BROKERS ?? `127.0.0.1:${v.FLOE_KAFKA_PORT}`,
    registryUrl: v.FLOE_REGISTRY_URL ?? `${registryBase}/apis/ccompat/v7`,
    registryV2Url: v.FLOE_REGISTRY_V2_URL ?? `${registryBase}/apis/registry/v2`,
    restUri: v.FLOE_REST_URI ?? `http://127.0.0.1:${v.FLOE_REST_PORT}`,
    restWarehouse: `s3://${v.FLOE_S3_BUCKET}/rest`,
    s3: {
      endpoint: v.FLOE_S3_ENDPOINT ?? `http://127.0.0.1:${v.FLOE_S3_PORT}`,
      region: v.FLOE_S3_REGION!,
      accessKeyId: v.FLOE_S3_ACCESS_KEY!,
      secretAccessKey: v.FLOE_S3_SECRET_KEY!,
    },
  };
}
