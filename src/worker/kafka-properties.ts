// KafkaClientConfig -> librdkafka properties (CONFIGURATION.md of librdkafka).
// Raw `properties` come last so an operator can tune anything, except the few
// settings floe's delivery guarantees rest on (config/fixed-kafka-properties.ts):
// the loader refuses another value, and they are set here over the raw ones.
import { formatKeyPath } from '../config/config-problem.ts';
import {
  changedFixedProperties,
  type FixedPropertyClient,
  fixedKafkaProperties,
} from '../config/fixed-kafka-properties.ts';
import { ConfigError } from '../errors.ts';
import type { KafkaClientConfig, KafkaSecurityConfig } from './kafka-types.ts';

export type KafkaProperties = Record<string, string>;
export type KafkaClientRole = 'consumer' | 'producer' | 'admin';

export interface ConsumerTuning {
  /** How long onRevoked/onAssigned may take before librdkafka gives the partitions up (max.poll.interval.ms). */
  readonly rebalanceTimeoutMs?: number;
  /** Large partition fetches (CONSUMER_FETCH_DEFAULTS; default true); false keeps librdkafka's 1 MiB. */
  readonly largeFetches?: boolean;
}

const WHERE = 'kafka';

/** Connection and security properties shared by every client, then the raw properties. */
export function clientProperties(config: KafkaClientConfig, role: KafkaClientRole): KafkaProperties {
  const servers = config.bootstrapServers
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (servers.length === 0) {
    throw new ConfigError(`${WHERE}.bootstrapServers: must list at least one host:port`, {
      key: `${WHERE}.bootstrapServers`,
    });
  }
  const props: KafkaProperties = { 'bootstrap.servers': servers.join(',') };
  if (role === 'consumer') {
    if (config.groupId.trim() === '') {
      throw new ConfigError(`${WHERE}.groupId: must not be empty`, { key: `${WHERE}.groupId` });
    }
    props['group.id'] = config.groupId;
    if (config.groupInstanceId !== undefined) props['group.instance.id'] = config.groupInstanceId;
  }
  if (config.clientId !== undefined) props['client.id'] = config.clientId;
  if (config.security !== undefined) Object.assign(props, securityProperties(config.security));
  return { ...props, ...config.properties };
}

const MiB = 1024 * 1024;

/**
 * Fetch sizing (overridable through `kafka.properties`). librdkafka's 1 MiB per
 * partition per fetch left the consumer waiting on round trips; 2 MiB is enough
 * once the next point is fixed.
 */
export const CONSUMER_FETCH_DEFAULTS: Readonly<KafkaProperties> = {
  'max.partition.fetch.bytes': String(2 * MiB),
};

/**
 * For every consumer, the backfill's too. Once a partition's pre-fetch queue
 * passes its threshold librdkafka postpones the next fetch by
 * fetch.queue.backoff.ms (1 s by default): a consumer draining 100-byte records
 * faster than that stalled at ~240k records/s (1.6M with 10 ms, see
 * docs/benchmarks.md). The pre-fetch queue and one fetch response are capped at
 * 32 MiB each (librdkafka: 64 MiB and 50 MiB) as they sit outside floe's memory budget.
 */
const CONSUMER_QUEUE_DEFAULTS: Readonly<KafkaProperties> = {
  'fetch.queue.backoff.ms': '10',
  'fetch.max.bytes': String(32 * MiB),
  'queued.max.messages.kbytes': String(32 * 1024),
};

/** Manual commits, cooperative-sticky rebalancing with floe's own rebalance callback, earliest start. */
export function consumerProperties(config: KafkaClientConfig, tuning: ConsumerTuning = {}): KafkaProperties {
  const defaults: KafkaProperties = {
    'auto.offset.reset': 'earliest',
    ...CONSUMER_QUEUE_DEFAULTS,
    ...(tuning.largeFetches === false ? {} : CONSUMER_FETCH_DEFAULTS),
  };
  if (tuning.rebalanceTimeoutMs !== undefined) {
    defaults['max.poll.interval.ms'] = String(tuning.rebalanceTimeoutMs);
  }
  return withFixed({ ...defaults, ...clientProperties(config, 'consumer') }, 'consumer', config);
}

/** Idempotent producer acknowledged by all in-sync replicas. */
export function producerProperties(config: KafkaClientConfig): KafkaProperties {
  return withFixed({ 'linger.ms': '5', ...clientProperties(config, 'producer') }, 'producer', config);
}

export function adminProperties(config: KafkaClientConfig): KafkaProperties {
  return clientProperties(config, 'admin');
}

/** The fixed properties over the raw ones; a changed one is refused (a config built without the loader). */
function withFixed(
  props: KafkaProperties,
  client: FixedPropertyClient,
  config: KafkaClientConfig,
): KafkaProperties {
  const changed = changedFixedProperties(config.properties ?? {});
  if (changed.length > 0) {
    const lines = changed.map((problem) => `${formatKeyPath(problem.path)}: ${problem.message}`);
    throw new ConfigError(lines.join('\n'), {
      key: formatKeyPath(changed[0]!.path),
      problems: changed.length,
    });
  }
  return { ...props, ...fixedKafkaProperties(client, config.properties ?? {}) };
}

function securityProperties(security: KafkaSecurityConfig): KafkaProperties {
  const where = `${WHERE}.security`;
  const usesSasl = security.protocol === 'sasl_plaintext' || security.protocol === 'sasl_ssl';
  const usesTls = security.protocol === 'ssl' || security.protocol === 'sasl_ssl';
  const props: KafkaProperties = { 'security.protocol': security.protocol };

  if (usesSasl && security.sasl === undefined) {
    throw new ConfigError(`${where}.sasl: required by protocol '${security.protocol}'`, {
      key: `${where}.sasl`,
    });
  }
  if (!usesSasl && security.sasl !== undefined) {
    throw new ConfigError(
      `${where}.sasl: protocol '${security.protocol}' does not use SASL; use sasl_ssl or sasl_plaintext`,
      { key: `${where}.sasl` },
    );
  }
  if (!usesTls && security.tls !== undefined) {
    throw new ConfigError(
      `${where}.tls: protocol '${security.protocol}' does not use TLS; use ssl or sasl_ssl`,
      {
        key: `${where}.tls`,
      },
    );
  }

  const sasl = security.sasl;
  if (sasl !== undefined) {
    props['sasl.mechanisms'] = sasl.mechanism;
    if (sasl.mechanism === 'OAUTHBEARER') {
      const oauth = sasl.oauthbearer;
      if (oauth !== undefined) {
        props['sasl.oauthbearer.method'] = 'oidc';
        props['sasl.oauthbearer.token.endpoint.url'] = oauth.tokenEndpoint;
        props['sasl.oauthbearer.client.id'] = oauth.clientId;
        props['sasl.oauthbearer.client.secret'] = oauth.clientSecret;
        if (oauth.scope !== undefined) props['sasl.oauthbearer.scope'] = oauth.scope;
      }
    } else {
      for (const key of ['username', 'password'] as const) {
        if (sasl[key] === undefined) {
          throw new ConfigError(`${where}.sasl.${key}: required by mechanism ${sasl.mechanism}`, {
            key: `${where}.sasl.${key}`,
          });
        }
      }
      props['sasl.username'] = sasl.username!;
      props['sasl.password'] = sasl.password!;
    }
  }

  const tls = security.tls;
  if (tls !== undefined) {
    if (tls.caFile !== undefined) props['ssl.ca.location'] = tls.caFile;
    if (tls.certFile !== undefined) props['ssl.certificate.location'] = tls.certFile;
    if (tls.keyFile !== undefined) props['ssl.key.location'] = tls.keyFile;
    if (tls.keyPassword !== undefined) props['ssl.key.password'] = tls.keyPassword;
    if (tls.verifyHostname !== undefined) {
      props['ssl.endpoint.identification.algorithm'] = tls.verifyHostname ? 'https' : 'none';
    }
  }
  return props;
}
