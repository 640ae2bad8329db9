import { RdKafka } from '@confluentinc/kafka-javascript';
const topic = process.argv[2] ?? 'bench_reference_1000000_p6';
const total = Number(process.argv[3] ?? 1000000);
const c = new RdKafka.KafkaConsumer({
  'bootstrap.servers': '127.0.0.1:19092', 'group.id': 'exp-' + Date.now(), 'auto.offset.reset': 'earliest',
  'enable.auto.commit': 'false', 'max.partition.fetch.bytes': String(8<<20), 'fetch.max.bytes': String(32<<20), 'queued.max.messages.kbytes': String(32*1024), ...JSON.parse(process.env.PROPS ?? '{}'),
});
await new Promise((r, j) => c.connect({}, (e) => e ? j(e) : r()));
c.subscribe([topic]);
let n = 0, t0 = 0, bytes = 0;
const cpu0 = process.cpuUsage();
const native = c._client;
let first;
while (n < total) {
  const [data, meta, topics] = await new Promise((r, j) => native.consumePacked(200, 5000, true, (e, d, m, t, eofs) => e ? j(e) : r([d, m, t, eofs])));
  const count = meta.length / 10;
  if (count && !t0) { t0 = performance.now(); first = { topics, meta: [...meta.subarray(0, 10)], v: data.subarray(meta[6], meta[6]+meta[7]).toString('hex') }; }
  for (let i = 0; i < count; i++) { const b = meta[i*10+7]; bytes += b; }
  n += count;
}
const dt = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(first);
console.log(`${n} in ${dt.toFixed(2)}s = ${(n/dt|0)} rec/s; bytes ${bytes}; cpu user ${(cpu.user/1e6).toFixed(2)} sys ${(cpu.system/1e6).toFixed(2)}; elu`, performance.eventLoopUtilization().utilization.toFixed(2));
import('node:fs').then((fs) => { for (const t of fs.readdirSync('/proc/self/task')) { const st = fs.readFileSync(`/proc/self/task/${t}/stat`, 'utf8'); const name = fs.readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim(); const f = st.slice(st.lastIndexOf(')') + 2).split(' '); const cpu = (Number(f[11]) + Number(f[12])) / 100; if (cpu > 0.05) console.log(name, cpu); } c.disconnect(() => process.exit(0)); });
