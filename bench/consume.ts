// `node bench/consume.ts [--records N] [--shape reference|wide] [--partitions P] [--rounds R]`:
// what taking records from the broker costs floe alone, before any decoding: the
// backfill's assign-mode consumer (the same consumePacked path `floe run` uses)
// reads the benchmark topic (bench/e2e/bench-topic.ts, produced once and reused)
// from the start, R times. Prints wall seconds, records/s and CPU microseconds per
// record for this process (all its threads: the libuv pool thread that runs
// librdkafka's consume and packs the batch, and the JS thread that unpacks it).
// The broker's CPU is not counted. Run on a quiet machine; figures are per round.
import { parseArgs } from 'node:util';
import { KafkaAssignedConsumer } from '../src/worker/kafka/assigned-consumer.ts';
import { benchServices } from './e2e/bench-services.ts';
import { kafkaConfig, prepareTopic } from './e2e/bench-topic.ts';
import { RECORD_SHAPES, type ShapeName } from './e2e/record-shapes.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '2000000' },
    shape: { type: 'string', default: 'reference' },
    partitions: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '3' },
    batch: { type: 'string', default: '5000' },
  },
});
const records = Number(values.records);
const partitions = Number(values.partitions);
const batch = Number(values.batch);
const shape = RECORD_SHAPES[values.shape as ShapeName];
if (shape === undefined) throw new Error(`--shape ${values.shape}: reference or wide`);

const services = benchServices();
const say = (line: string) => console.log(`[consume] ${line}`);
const topic = await prepareTopic(services, shape, records, partitions, false, say);
say(`${topic.topic}: ${topic.records} records, ${(topic.valueBytes / 1e6).toFixed(0)} MB of values`);

for (let round = 1; round <= Number(values.rounds); round++) {
  const consumer = KafkaAssignedConsumer.create(kafkaConfig(services, `floe-bench-consume-${Date.now()}`));
  await consumer.connect();
  const starts = [...topic.endOffsets.keys()].map((partition) => ({
    topic: topic.topic,
    partition,
    offset: 0n,
  }));
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  consumer.assign(starts);
  let seen = 0;
  let polls = 0;
  while (seen < topic.records) {
    const poll = await consumer.poll(batch, 1_000);
    seen += poll.records.length;
    polls++;
  }
  const seconds = (performance.now() - wallStart) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  say(
    `round ${round}: ${seen} records in ${seconds.toFixed(2)} s = ${Math.round(seen / seconds)} records/s; ` +
      `CPU ${cpuSeconds.toFixed(2)} s (user ${(cpu.user / 1e6).toFixed(2)}, system ${(cpu.system / 1e6).toFixed(2)}) = ` +
      `${((cpuSeconds * 1e6) / seen).toFixed(3)} µs a record; ${polls} polls, ${Math.round(seen / polls)} records a poll`,
  );
  await consumer.disconnect();
}
