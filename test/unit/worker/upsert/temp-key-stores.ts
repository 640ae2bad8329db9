// A fresh LMDB key store folder per test, closed and removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { LmdbKeyStores } from '../../../../src/worker/upsert/lmdb-key-store.ts';

/** Registers the hooks; call the result inside a test for the current stores. */
export function useTempKeyStores(): () => LmdbKeyStores {
  let dir = '';
  let stores: LmdbKeyStores | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'floe-key-stores-'));
    stores = new LmdbKeyStores(dir);
  });
  afterEach(async () => {
    await stores?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => stores!;
}
