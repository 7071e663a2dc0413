/**
 * Geo without IPs (issue 17, point 3): with `geo.enabled`, client addresses (IPv4 and IPv6, on a
 * resource, on a record, or a browser request's own through a trusted `X-Forwarded-For` hop) become
 * `geo.country.iso_code` from the bundled DB-IP country database, and no address is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway } from './support/gateway.ts';

const INGEST = 'ingest-token-for-geo';
const ADMIN = 'admin-token-for-geo';
const CLIENT = 'pk_geo_0123456789abcdef';
const SHOP = 'https://shop.example.com';
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway({
    auth: { ingestTokens: [INGEST], adminTokens: [ADMIN], clientTokens: [{ name: 'geo-web', token: CLIENT, origins: [SHOP] }] },
    geo: { enabled: true, trustedProxies: 1 },
  });
});
afterAll(() => gateway?.shutdown());

const kv = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));
const logs = (resource: Record<string, string>, records: Array<Record<string, string>>) => JSON.stringify({ resourceLogs: [{
  resource: { attributes: kv(resource) },
  scopeLogs: [{ logRecords: records.map((attributes, i) => ({ timeUnixNano: String(BigInt(Date.now()) * 1_000_000n + BigInt(i)), body: { stringValue: `r${i}` }, attributes: kv(attributes) })) }],
}] });

describe('geo without IPs', () => {
  it('turns IPv4 and IPv6 client addresses on resources and records into countries, and stores no address', async () => {
    const body = logs({ 'service.name': 'geo-server', 'client.address': '8.8.8.8' }, [{ 'client.address': '2a00:1450:4001:80b::200e' }, { 'client.address': '10.0.0.1' }, {}]);
    const res = await fetch(`${gateway.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST}` }, body });
    expect(res.status).toBe(200);
    const stored = await rows<{ Body: string; resourceCountry: string; country: string; addresses: number }>(gateway, `SELECT Body, ResourceAttributes['geo.country.iso_code'] AS resourceCountry,
      LogAttributes['geo.country.iso_code'] AS country, mapContains(ResourceAttributes, 'client.address') + mapContains(LogAttributes, 'client.address') AS addresses
      FROM otel_logs WHERE ServiceName = 'geo-server' ORDER BY Body`);
    expect(stored).toEqual([
      { Body: 'r0', resourceCountry: 'US', country: 'DE', addresses: 0 },
      { Body: 'r1', resourceCountry: 'US', country: '', addresses: 0 }, // a private address has no country, and is removed all the same
      { Body: 'r2', resourceCountry: 'US', country: '', addresses: 0 },
    ]);
  });

  it('locates a browser by its request, through the trusted X-Forwarded-For hop, and a server never by its request', async () => {
    const browser = await fetch(`${gateway.url}/v1/logs?token=${CLIENT}`, {
      method: 'POST', headers: { 'content-type': 'text/plain', origin: SHOP, 'x-forwarded-for': '203.0.113.9, 81.2.69.142' },
      body: logs({ 'service.name': 'geo-web' }, [{}]),
    });
    expect(browser.status).toBe(200);
    const server = await fetch(`${gateway.url}/v1/logs`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST}`, 'x-forwarded-for': '81.2.69.142' },
      body: logs({ 'service.name': 'geo-backend' }, [{}]),
    });
    expect(server.status).toBe(200);
    const stored = await rows<{ ServiceName: string; country: string }>(gateway, `SELECT ServiceName, ResourceAttributes['geo.country.iso_code'] AS country FROM otel_logs
      WHERE ServiceName IN ('geo-web', 'geo-backend') ORDER BY ServiceName`);
    expect(stored).toEqual([{ ServiceName: 'geo-backend', country: '' }, { ServiceName: 'geo-web', country: 'GB' }]);
  });

  it('lets collection policies target countries: a kill switch for GB stops a browser located in GB, not one in the US', async () => {
    const policy = await fetch(`${gateway.url}/api/policies`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ name: 'no GB', targeting: { countries: ['gb'], rolloutPercentage: 100 }, settings: { telemetryEnabled: false } }),
    });
    expect(policy.status).toBe(201);
    for (const [service, hop] of [['geo-gb', '81.2.69.142'], ['geo-us', '8.8.8.8']]) {
      const res = await fetch(`${gateway.url}/v1/logs?token=${CLIENT}`, {
        method: 'POST', headers: { 'content-type': 'text/plain', origin: SHOP, 'x-forwarded-for': hop! }, body: logs({ 'service.name': service! }, [{}]),
      });
      expect(res.status).toBe(200);
    }
    const stored = await rows<{ ServiceName: string }>(gateway, "SELECT ServiceName FROM otel_logs WHERE ServiceName IN ('geo-gb', 'geo-us')");
    expect(stored).toEqual([{ ServiceName: 'geo-us' }]);
  });

  it('refuses to start with a database that does not exist, naming it', async () => {
    await expect(startGateway({ geo: { enabled: true, database: '/nonexistent/GeoLite2-Country.mmdb' } })).rejects.toThrow(/GeoLite2-Country\.mmdb/);
  });
});
