// The worker file (floe.yaml): how to reach Kafka, the schema registry, the
// catalog and storage, and how the process runs. Every key is documented in
// docs/configuration.md; paths here are absolute (resolved against the file's folder).

export type KafkaSecurityProtocol = 'plaintext' | 'ssl' | 'sasl_plaintext' | 'sasl_ssl';
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';
export type LogLevelName = 'debug' | 'info' | 'warn' | 'error';

export interface OAuthBearerConfig {
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope?: string | undefined;
}

export interface SaslConfig {
  readonly mechanism: SaslMechanism;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly oauthbearer?: OAuthBearerConfig | undefined;
}

export interface TlsConfig {
  readonly caFile?: string | undefined;
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  readonly keyPassword?: string | undefined;
  readonly verifyHostname: boolean;
}

export interface KafkaSecurityConfig {
  readonly protocol: KafkaSecurityProtocol;
  readonly sasl?: SaslConfig | undefined;
  readonly tls?: TlsConfig | undefined;
}

export interface KafkaConfig {
  /** Comma-separated host:port list. */
  readonly bootstrapServers: string;
  readonly groupId: string;
  /** Static group membership (librdkafka group.instance.id): unique per worker, stable across its restarts. */
  readonly groupInstanceId?: string | undefined;
  readonly clientId?: string | undefined;
  readonly security?: KafkaSecurityConfig | undefined;
  /** Raw librdkafka properties, applied last (they win over everything above). */
  readonly properties: Readonly<Record<string, string>>;
}

export interface SchemaRegistryConfig {
  readonly url: string;
  readonly basicAuth?: { readonly username: string; readonly password: string } | undefined;
  readonly bearerToken?: string | undefined;
}

export interface RestCatalogConfig {
  readonly type: 'rest';
  readonly name: string;
  readonly uri: string;
  readonly warehouse?: string | undefined;
  /** OAuth2 client credentials, `client_id:client_secret`. */
  readonly credential?: string | undefined;
  readonly token?: string | undefined;
  readonly oauth2ServerUri?: string | undefined;
  readonly scope?: string | undefined;
  readonly properties: Readonly<Record<string, string>>;
}

export interface SqlCatalogConfig {
  readonly type: 'sql';
  readonly name: string;
  /** sqlite:///abs/path.db, postgresql://user:password@host:port/db, ... */
  readonly uri: string;
  /** Where new tables go: file:///..., s3://bucket/prefix. */
  readonly warehouse: string;
}

export type CatalogConfig = RestCatalogConfig | SqlCatalogConfig;

export interface S3StorageConfig {
  readonly endpoint?: string | undefined;
  readonly region?: string | undefined;
  readonly pathStyleAccess: boolean;
  readonly accessKeyId?: string | undefined;
  readonly secretAccessKey?: string | undefined;
  readonly sessionToken?: string | undefined;
}

export interface WorkerConfig {
  /** Absolute path of the worker file, for messages. */
  readonly file: string;
  readonly kafka: KafkaConfig;
  readonly schemaRegistry?: SchemaRegistryConfig | undefined;
  readonly catalog: CatalogConfig;
  readonly storage: { readonly s3?: S3StorageConfig | undefined };
  /** Absolute folder of the connector files. */
  readonly connectorsDir: string;
  /** Absolute folder for local state (the default SQLite catalog and warehouse). */
  readonly dataDir: string;
  readonly server: { readonly host: string; readonly port: number };
  readonly log: { readonly level: LogLevelName };
  readonly memory: { readonly maxBufferedBytes: number };
  readonly commitTimeoutMs: number;
}

export const MIB = 1024 * 1024;
