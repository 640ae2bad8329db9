import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.ts';

describe('floe --version', () => {
  afterEach(() => vi.restoreAllMocks());

  it("prints package.json's version and exits 0 (the image smoke test runs it)", async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    expect(await main(['--version'])).toBe(0);
    expect(out.join('')).toBe(`${version}\n`);
  });
});
