// The catalog contract on the Iceberg REST reference server (scripts/services),
// plus what is particular to REST: the config handshake and idempotency keys.
import { describe, expect, it } from 'vitest';
import { RestCatalog } from '../../src/catalog/rest/rest-catalog.ts';
import { services } from '../support/services.ts';
import { describeCatalogContract } from './catalog-contract.ts';

const warehouse = `s3://${services.s3.bucket}/rest`;

describeCatalogContract('rest', () => RestCatalog.connect({ uri: services.restUri, warehouse }));

describe('RestCatalog on the reference server', () => {
  it('completes the config handshake with the warehouse it was given', async () => {
    const catalog = await RestCatalog.connect({
      uri: services.restUri,
      warehouse,
      properties: { 'client.x': '1' },
    });
    expect(catalog.properties).toMatchObject({ warehouse, 'client.x': '1' });
    expect(Array.isArray(await catalog.listNamespaces())).toBe(true);
    await catalog.close();
  });
});
