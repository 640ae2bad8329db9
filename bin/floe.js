#!/usr/bin/env node
// Runs the compiled CLI (npm run build) or, in a checkout on Node >= 23.6, the
// TypeScript sources directly.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli.js', import.meta.url);
const entry = existsSync(compiled) ? compiled : new URL('../src/cli.ts', import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
