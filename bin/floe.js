#!/usr/bin/env node
// Runs the compiled CLI (npm run build) or, in a checkout on Node >= 23.6, the
// TypeScript sources directly.
import { existsSync } from 'node:fs';
import { enableCompileCache } from 'node:module';

// Node's module compile cache: V8 code cache (and, for the TypeScript sources,
// the type-stripped text) on disk, so a restart does not compile floe's ~250
// modules and its dependencies again (docs/operations.md, "Start-up").
// NODE_COMPILE_CACHE names the folder (default: os.tmpdir()/node-compile-cache),
// NODE_DISABLE_COMPILE_CACHE=1 turns it off; a folder that cannot be written is
// no error. The variable is set for the Parquet encoder threads, which read it.
const cache = enableCompileCache?.();
if (cache?.directory !== undefined && process.env.NODE_COMPILE_CACHE === undefined) {
  process.env.NODE_COMPILE_CACHE = cache.directory;
}

const compiled = new URL('../dist/cli.js', import.meta.url);
const entry = existsSync(compiled) ? compiled : new URL('../src/cli.ts', import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
