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
 * (a new temp dir when not given). Short flush interval so tests read their rows quickly.
 */
export async function startGateway(input: ConfigInput = {}, deps: GatewayDeps = {}): Promise<Gateway> {
  const config = validateConfig({
    port: 0,
    logLevel: 'silent',
    ...input,
    dataDir: input.dataDir ?? tempDataDir().dir,
    exporter: { flushIntervalMs: 20, ...input.exporter },
  });
  const gateway = await createGateway(config, { logger: createLogger(config), ...deps });
  await gateway.listen();
  return gateway;
}

/** Runs a query and returns its rows (JSONEachRow). */
export async function rows<T = Record<string, unknown>>(gateway: Pick<Gateway, 'client'>, query: string): Promise<T[]> {
  const result = await gateway.client.query({ query, format: 'JSONEachRow' });
  return result.json<T>();
}
