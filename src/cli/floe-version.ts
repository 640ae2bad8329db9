// floe's version, from package.json: two folders up from this file both in the
// sources (src/cli/) and compiled (dist/cli/, also in the image). `floe
// --version` prints it and floe_build_info{version} exports it.
import { readFileSync } from 'node:fs';

export function floeVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
