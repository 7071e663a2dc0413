import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { createGateway, type Gateway, type GatewayDeps } from '../../src/gateway.ts';
import { createLogger } from '../../src/ops/logger.ts';

/** A fresh data directory under the OS temp dir, removed by the returned cleanup. */
export function tempDataDir(prefix = 'otelhouse-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts a real gateway on an ephemeral loopback port with the embedded ClickHouse in `dataDir`
 * (a new temp dir when not given). Segments seal after 50 ms, so rows reach ClickHouse quickly.
 */
export async function startGateway(input: ConfigInput = {}, deps: GatewayDeps = {}): Promise<Gateway> {
  const config = validateConfig({
    port: 0,
    logLevel: 'silent',
    ...input,
    dataDir: input.dataDir ?? tempDataDir().dir,
    exporter: { segmentMaxAgeMs: 50, ...input.exporter },
    // Off unless a test asks for it: test files run in parallel and 8123 is one port.
    sql: { port: 0, ...input.sql },
  });
  const gateway = await createGateway(config, { logger: createLogger(config), ...deps });
  await gateway.listen();
  return gateway;
}

/**
 * Runs a query and returns its rows (JSONEachRow). With a gateway, first waits until everything it
 * acknowledged is in ClickHouse (`flush`), as a reader of an acknowledged request must.
 */
export async function rows<T = Record<string, unknown>>(gateway: Pick<Gateway, 'client'> & Partial<Pick<Gateway, 'flush'>>, query: string): Promise<T[]> {
  if (gateway.flush && !(await gateway.flush())) throw new Error('the gateway did not flush its write-ahead log within 30 s');
  const result = await gateway.client.query({ query, format: 'JSONEachRow' });
  return result.json<T>();
}
