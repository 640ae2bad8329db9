// Writes config files into a fresh temporary folder for a test.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function tempFolder(): string {
  return mkdtempSync(join(tmpdir(), 'floe-config-'));
}

/** Writes `text` to `name` under `folder` (sub-folders created) and returns the file's path. */
export function writeConfig(folder: string, name: string, text: string): string {
  const file = join(folder, name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** The message of the error `run` throws (fails the test when nothing is thrown). */
export function errorMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error, but nothing was thrown');
}
