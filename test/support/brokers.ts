// The Kafka-protocol brokers of the local stack that the worker's exactly-once,
// rebalance and backfill integration tests run on, one `describe.each` row per
// broker: Apache Kafka, and kfake (franz-go's independent implementation of the
// protocol; scripts/services.d/kfake.sh). Both belong to the stack, so a broker
// that does not answer fails the run at once (require-services.ts); no test skips.
// FLOE_TEST_BROKERS=kfake (a comma-separated list) narrows a local run to some.
import { services } from './services.ts';

export interface TestBroker {
  /** Its service name in scripts/services. */
  readonly name: 'kafka' | 'kfake';
  /** bootstrap.servers */
  readonly bootstrap: string;
}

export const KAFKA: TestBroker = { name: 'kafka', bootstrap: services.kafkaBrokers };
export const KFAKE: TestBroker = { name: 'kfake', bootstrap: services.kfakeBrokers };

function selected(): readonly TestBroker[] {
  const all = [KAFKA, KFAKE];
  const names = process.env.FLOE_TEST_BROKERS?.split(',').map((name) => name.trim());
  if (names === undefined || names.join('') === '') return all;
  return names.map((name) => {
    const broker = all.find((b) => b.name === name);
    if (!broker) throw new Error(`FLOE_TEST_BROKERS: unknown broker "${name}" (kafka, kfake)`);
    return broker;
  });
}

/** Every broker the parametrized tests run on (both, unless FLOE_TEST_BROKERS narrows them). */
export const BROKERS: readonly TestBroker[] = selected();

/**
 * `describe.each` rows: every test on every broker. The first broker runs every one
 * of `choices` (catalogs, say); the others run the first choice only, since what
 * they test is the broker and the choices are broker-independent (this keeps CI's
 * time: the rebalance and fault tests take minutes per row).
 */
export function withEveryBroker<T>(choices: readonly T[]): Array<{ broker: TestBroker; choice: T }> {
  return BROKERS.flatMap((broker, i) =>
    (i === 0 ? choices : choices.slice(0, 1)).map((choice) => ({ broker, choice })),
  );
}
