import type { FastifyInstance } from 'fastify';

import { validateConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/ops/logger.ts';
import { createServer } from '../../src/receiver/server.ts';
import { AuditLog } from '../../src/storage/clickhouse/audit.ts';
import { defaultSchemaOptions, migrate } from '../../src/storage/clickhouse/schema/index.ts';
import { openTestEngine, type TestEngine } from '../../src/storage/clickhouse/testing.ts';
import { registerSourceMapRoutes } from '../../src/issues/sourcemaps/routes.ts';
import { SourceMapStore } from '../../src/issues/sourcemaps/store.ts';

/** The admin token the source-map API tests send, named `release-ci` in the audit log. */
export const SOURCEMAP_ADMIN_TOKEN = 'admin-token-for-tests';

/**
 * The source-map routes on a server of their own, over a fresh engine with every table migrated:
 * admin token {@link SOURCEMAP_ADMIN_TOKEN}, request bodies up to 64 KiB, maps up to `maxMapBytes`.
 */
export async function sourceMapApi(maxMapBytes: number): Promise<{ engine: TestEngine; app: FastifyInstance; audit: AuditLog; close: () => Promise<void> }> {
  const engine = openTestEngine();
  await migrate(engine.client, defaultSchemaOptions);
  const audit = new AuditLog(engine.client, { database: 'default' });
  const config = validateConfig({ logLevel: 'silent', auth: { adminTokens: [{ name: 'release-ci', token: SOURCEMAP_ADMIN_TOKEN }] }, receiver: { maxRequestBytes: 64 * 1024 } });
  const app = createServer(config, createLogger(config));
  registerSourceMapRoutes(app, new SourceMapStore(engine.client, 'default', { maxMapBytes }), audit);
  return {
    engine,
    app,
    audit,
    close: async () => {
      await app.close();
      await engine.close();
    },
  };
}
