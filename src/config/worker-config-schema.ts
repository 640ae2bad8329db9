// The worker file's shape, defaults and per-section checks (zod). Relative paths
// and the SQL catalog's defaults depend on the file's folder and are filled in
// by load-worker-config.ts.
import { z } from 'zod';
import { httpUrl, intInRange, nonEmptyString, positiveInt, propertiesMap } from './schema-parts.ts';
import { MIB } from './worker-config.ts';

const oauthbearerSchema = z.strictObject({
  tokenEndpoint: httpUrl,
  clientId: nonEmptyString,
  clientSecret: nonEmptyString,
  scope: z.string().optional(),
});

const saslSchema = z
  .strictObject({
    mechanism: z.enum(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']),
    username: nonEmptyString.optional(),
    password: z.string().optional(),
    oauthbearer: oauthbearerSchema.optional(),
  })
  .superRefine((sasl, ctx) => {
    if (sasl.mechanism === 'OAUTHBEARER') {
      if (sasl.oauthbearer === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['oauthbearer'],
          message: 'is required for mechanism OAUTHBEARER',
        });
      }
      return;
    }
    for (const key of ['username', 'password'] as const) {
      if (sasl[key] === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `is required for mechanism ${sasl.mechanism}` });
      }
    }
    if (sasl.oauthbearer !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['oauthbearer'],
        message: 'is only used with mechanism OAUTHBEARER',
      });
    }
  });

const tlsSchema = z
  .strictObject({
    caFile: nonEmptyString.optional(),
    certFile: nonEmptyString.optional(),
    keyFile: nonEmptyString.optional(),
    keyPassword: z.string().optional(),
    verifyHostname: z.boolean().default(true),
  })
  .superRefine((tls, ctx) => {
    if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
      const missing = tls.certFile === undefined ? 'certFile' : 'keyFile';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: 'is required with certFile/keyFile (client certificate and its key go together)',
      });
    }
  });

const securitySchema = z
  .strictObject({
    protocol: z.enum(['plaintext', 'ssl', 'sasl_plaintext', 'sasl_ssl']),
    sasl: saslSchema.optional(),
    tls: tlsSchema.optional(),
  })
  .superRefine((security, ctx) => {
    const usesSasl = security.protocol.startsWith('sasl_');
    const usesTls = security.protocol.endsWith('ssl');
    if (usesSasl && security.sasl === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['sasl'],
        message: `is required for protocol ${security.protocol}`,
      });
    }
    if (!usesSasl && security.sasl !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['sasl'],
        message: `is not used with protocol ${security.protocol} (use sasl_plaintext or sasl_ssl)`,
      });
    }
    if (!usesTls && security.tls !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: `is not used with protocol ${security.protocol} (use ssl or sasl_ssl)`,
      });
    }
  });

const kafkaSchema = z.strictObject({
  bootstrapServers: z.string().regex(/^\s*[^\s,]+:\d+\s*(,\s*[^\s,]+:\d+\s*)*$/, {
    error: 'must be a comma-separated list of host:port',
  }),
  groupId: nonEmptyString.default('floe'),
  // Kafka's own rule for group.instance.id (JoinGroupRequest.validateGroupInstanceId).
  groupInstanceId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, {
      error: 'must be 1 to 249 characters of letters, digits, ".", "_" and "-" (a pod name, say)',
    })
    .optional(),
  clientId: nonEmptyString.optional(),
  security: securitySchema.optional(),
  properties: propertiesMap.default({}),
});

const schemaRegistrySchema = z
  .strictObject({
    url: httpUrl,
    basicAuth: z.strictObject({ username: nonEmptyString, password: z.string() }).optional(),
    bearerToken: nonEmptyString.optional(),
  })
  .superRefine((registry, ctx) => {
    if (registry.basicAuth !== undefined && registry.bearerToken !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['bearerToken'],
        message: 'cannot be used together with basicAuth',
      });
    }
  });

const restCatalogSchema = z.strictObject({
  type: z.literal('rest'),
  name: nonEmptyString.default('floe'),
  uri: httpUrl,
  warehouse: nonEmptyString.optional(),
  credential: nonEmptyString.optional(),
  token: nonEmptyString.optional(),
  oauth2ServerUri: httpUrl.optional(),
  scope: nonEmptyString.optional(),
  properties: propertiesMap.default({}),
});

const sqlCatalogSchema = z.strictObject({
  type: z.literal('sql'),
  name: nonEmptyString.default('floe'),
  uri: nonEmptyString.optional(),
  warehouse: nonEmptyString.optional(),
});

const s3Schema = z.strictObject({
  endpoint: httpUrl.optional(),
  region: nonEmptyString.optional(),
  pathStyleAccess: z.boolean().default(false),
  accessKeyId: nonEmptyString.optional(),
  secretAccessKey: nonEmptyString.optional(),
  sessionToken: nonEmptyString.optional(),
});

export const workerConfigSchema = z.strictObject({
  kafka: kafkaSchema,
  schemaRegistry: schemaRegistrySchema.optional(),
  catalog: z.discriminatedUnion('type', [restCatalogSchema, sqlCatalogSchema]),
  storage: z.strictObject({ s3: s3Schema.optional() }).prefault({}),
  connectorsDir: nonEmptyString.default('connectors'),
  dataDir: nonEmptyString.default('./floe-data'),
  server: z
    .strictObject({ host: nonEmptyString.default('0.0.0.0'), port: intInRange(1, 65535).default(8080) })
    .prefault({}),
  log: z.strictObject({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') }).prefault({}),
  memory: z.strictObject({ maxBufferedBytes: positiveInt.default(256 * MIB) }).prefault({}),
  commitTimeoutMs: positiveInt.default(120_000),
});

export type ParsedWorkerConfig = z.output<typeof workerConfigSchema>;
