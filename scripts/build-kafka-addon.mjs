// npm postinstall, after patch-package: recompiles the Kafka client's native addon
// so it carries floe's consumePacked method (patches/@confluentinc+kafka-javascript+*.patch,
// see src/worker/kafka/packed-consume.ts). Only the patched file is recompiled:
// the addon was built from source by the package's own install step (these
// machines cannot download prebuilt binaries; the Dockerfile forces a source build).
// A prebuilt binary is left alone with a warning: floe then falls back to the
// binding's slower consume(n).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const root = dirname(require.resolve('@confluentinc/kafka-javascript/package.json'));
const say = (line) => process.stderr.write(`[kafka-addon] ${line}\n`);

if (!existsSync(join(root, 'build', 'Makefile'))) {
  say('the Kafka client uses a prebuilt binary: floe consumes through the slower consume(n).');
  say('Reinstall with npm_config_build_from_source=true for the packed consume path.');
  process.exit(0);
}

// npm puts its bundled node-gyp on PATH for lifecycle scripts.
say('compiling the patched consumer (node-gyp build)');
try {
  execFileSync('node-gyp', ['build'], { cwd: root, stdio: 'pipe' });
} catch (error) {
  process.stderr.write(String(error.stderr ?? ''));
  say(`node-gyp build failed: ${error.message}`);
  process.exit(1);
}

const { RdKafka } = require('@confluentinc/kafka-javascript');
const consumer = new RdKafka.KafkaConsumer({ 'group.id': 'floe-addon-check' }, {});
if (typeof consumer._client?.consumePacked !== 'function') {
  say('the rebuilt addon has no consumePacked: did patch-package apply the patch?');
  process.exit(1);
}
say('consumePacked is available');
process.exit(0);
