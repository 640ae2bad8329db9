// Sample data for scripts/demo: creates the topic (3 partitions) and produces N
// click events as JSON. Run with Node 24: node scripts/demo-produce.ts <topic> <count>
import { KafkaAdminClient } from '../src/worker/kafka/admin-client.ts';
import { KafkaProducerClient } from '../src/worker/kafka/producer-client.ts';

const [topic = 'floe-demo-clicks', countText = '10000'] = process.argv.slice(2);
const count = Number(countText);
const config = {
  bootstrapServers: process.env.FLOE_KAFKA_BROKERS ?? '127.0.0.1:19092',
  groupId: 'floe-demo',
};

const admin = KafkaAdminClient.create(config);
await admin.connect();
if (!(await admin.listTopics()).includes(topic)) await admin.createTopic(topic, 3);
await admin.disconnect();

const producer = KafkaProducerClient.create(config);
await producer.connect();
const pages = ['/', '/pricing', '/docs', '/blog', '/signup'];
const start = Date.UTC(2026, 10, 20);
for (let from = 0; from < count; from += 1000) {
  const batch = [];
  for (let i = from; i < Math.min(count, from + 1000); i++) {
    const click = {
      id: i,
      ts: new Date(start + i * 37_000).toISOString(),
      user: `user-${i % 250}`,
      page: pages[i % pages.length],
      duration_ms: (i * 7919) % 60_000,
      amount: i % 10 === 0 ? ((i % 1000) + 0.99).toFixed(2) : null,
    };
    batch.push({ key: Buffer.from(String(i)), value: Buffer.from(JSON.stringify(click)) });
  }
  await producer.send(topic, batch);
}
await producer.disconnect();
console.log(`produced ${count} click events to ${topic}`);
