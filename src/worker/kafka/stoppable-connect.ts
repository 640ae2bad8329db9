// Connecting a client of the binding without holding a stop up. The binding's
// connect() creates the librdkafka client, then waits for one metadata request
// for as long as its timeout (30 s when no broker answers), and nothing cuts
// that wait short: even its native disconnect waits for the request. So a
// SIGTERM during start-up used to wait out the timeout and exit 1 ("connect
// failed"). Here the request is asked in short steps until the timeout; a stop
// ends the connect within a step, and the binding then disconnects the client
// it created (its own failure path).
import type { LibrdKafkaError, Metadata, MetadataOptions, RdKafka } from '@confluentinc/kafka-javascript';
import { FloeError } from '../../errors.ts';
import { callback } from './sdk-helpers.ts';

/** One metadata request waits at most this long at first: how late a stop is seen while connecting. */
export const CONNECT_STEP_MS = 500;
/**
 * A request that timed out is asked again with twice the time, up to this: a
 * broker whose answer always takes longer than a step still gets through (a
 * broker answers a connection's requests in order, so shorter ones would only
 * queue behind each other), and a stop waits at most this long.
 */
export const MAX_CONNECT_STEP_MS = 4_000;
const ERR_TIMED_OUT = -185;

/** librdkafka's answers while no broker is reachable yet: worth asking again until the timeout. */
const NOT_YET = new Set([ERR_TIMED_OUT, -195 /* ERR__TRANSPORT */, -187 /* ERR__ALL_BROKERS_DOWN */]);

/** connect() gave up because the process is stopping: nothing was read; not a failure. */
export class KafkaConnectStopped extends FloeError {
  constructor(operation: string) {
    super(`Kafka ${operation} stopped: the worker is stopping`);
  }
}

type MetadataCallback = (err: LibrdKafkaError | Error | null, data?: Metadata) => void;
type AnyClient = RdKafka.Client<string>;

export interface StoppableConnectOptions {
  /** The whole connect's timeout, as the binding's connect({ timeout }) had it. */
  readonly timeoutMs: number;
  readonly stop?: AbortSignal | undefined;
  /** Names the operation in errors ('consumer connect'). */
  readonly operation: string;
  readonly stepMs?: number;
  /** The client's error aggregator: closed when the connect fails (no disconnect() will close it). */
  readonly clientErrors?: { close(): void };
}

/**
 * Connects `client`; rejects with KafkaConnectStopped when `stop` fires first
 * (the client is then disconnected), else as the binding's connect would.
 */
export async function connectStoppably(client: AnyClient, options: StoppableConnectOptions): Promise<void> {
  try {
    await connectInSteps(client, options);
  } catch (error) {
    options.clientErrors?.close(); // its counts are said now
    throw error;
  }
}

async function connectInSteps(client: AnyClient, options: StoppableConnectOptions): Promise<void> {
  const { stop, operation } = options;
  if (stop?.aborted) throw new KafkaConnectStopped(operation);
  const deadline = performance.now() + options.timeoutMs;
  let step = options.stepMs ?? CONNECT_STEP_MS;
  // A client without it (a test double) connects as it is.
  if (typeof client.getMetadata !== 'function') return connect(client, options);
  const ask = client.getMetadata.bind(client);
  // The binding's connect() asks through the client's own getMetadata: stepped for its duration.
  const stepped = (metadataOptions: MetadataOptions | undefined, done: MetadataCallback) => {
    const attempt = () => {
      const remaining = Math.max(1, Math.ceil(deadline - performance.now()));
      ask(
        { ...metadataOptions, timeout: Math.min(step, remaining) },
        (err: LibrdKafkaError, data: Metadata) => {
          if (stop?.aborted) done(new KafkaConnectStopped(operation));
          else if (err && NOT_YET.has(err.code) && performance.now() < deadline) {
            if (err.code === ERR_TIMED_OUT) step = Math.min(step * 2, Math.max(step, MAX_CONNECT_STEP_MS));
            attempt();
          } else done(err, data);
        },
      );
    };
    attempt();
  };
  Object.defineProperty(client, 'getMetadata', { value: stepped, configurable: true, writable: true });
  try {
    await connect(client, options);
  } finally {
    delete (client as { getMetadata?: unknown }).getMetadata; // the prototype's again
  }
}

async function connect(
  client: AnyClient,
  { timeoutMs, stop, operation }: StoppableConnectOptions,
): Promise<void> {
  try {
    // No topics: the answer only says a broker is there (all topics' metadata can take long on a big cluster).
    await callback<unknown>((cb) => client.connect({ allTopics: false, timeout: timeoutMs }, cb), operation);
  } catch (error) {
    if (stop?.aborted) throw new KafkaConnectStopped(operation);
    throw error;
  }
}
