/** Test helpers for anything that stores in ClickHouse: an embedded engine in a fresh temp dir, and row builders. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

import { rows } from './schema/server.ts';

export interface TestEngine {
  client: ClickHouseClient;
  /** Runs a SELECT and returns its rows. */
  select<T = Record<string, unknown>>(query: string, params?: Record<string, unknown>): Promise<T[]>;
  close(): Promise<void>;
}

/** chDB binds one data directory per process; vitest's forks pool gives each test file its own. */
export function openTestEngine(): TestEngine {
  const dir = mkdtempSync(join(tmpdir(), 'otelhouse-schema-'));
  // chdb types its Connection against @clickhouse/client-common 1.23.0, the client bundles 1.23.1.
  const client = createClient({ connection: createChdbConnection({ path: dir }) } as Parameters<typeof createClient>[0]);
  return {
    client,
    select: (query, params) => rows(client, query, params),
    close: async () => {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A DateTime64(9) literal `secondsAgo` before now (UTC, whole seconds) with a nanosecond fraction.
 * Fixtures stay recent so a table TTL never drops them mid-test.
 */
export function recentTimestamp(secondsAgo = 60, fraction = '123456789'): string {
  const t = new Date(Math.floor(Date.now() / 1000 - secondsAgo) * 1000);
  return `${t.toISOString().slice(0, 19).replace('T', ' ')}.${fraction}`;
}

/** A span row in the collector's insert layout (reference §1.8), with `overrides` applied. */
export function makeSpan(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Timestamp: recentTimestamp(),
    TraceId: '0af7651916cd43dd8448eb211c80319c',
    SpanId: 'b7ad6b7169203331',
    ParentSpanId: '',
    TraceState: '',
    SpanName: 'GET /checkout',
    SpanKind: 'Server',
    ServiceName: 'checkout',
    ResourceAttributes: { 'service.name': 'checkout' },
    ScopeName: 'io.opentelemetry.http',
    ScopeVersion: '1.0.0',
    SpanAttributes: { 'http.request.method': 'GET' },
    Duration: 1_500_000,
    StatusCode: 'Unset',
    StatusMessage: '',
    'Events.Timestamp': [],
    'Events.Name': [],
    'Events.Attributes': [],
    'Links.TraceId': [],
    'Links.SpanId': [],
    'Links.TraceState': [],
    'Links.Attributes': [],
    ...overrides,
  };
}

/** A log row in the collector's insert layout (reference §1.8), with `overrides` applied. */
export function makeLog(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Timestamp: recentTimestamp(),
    TraceId: '0af7651916cd43dd8448eb211c80319c',
    SpanId: 'b7ad6b7169203331',
    TraceFlags: 1,
    SeverityText: 'INFO',
    SeverityNumber: 9,
    ServiceName: 'checkout',
    Body: 'order placed',
    ResourceSchemaUrl: '',
    ResourceAttributes: { 'service.name': 'checkout', 'k8s.pod.name': 'checkout-1' },
    ScopeSchemaUrl: '',
    ScopeName: 'app',
    ScopeVersion: '',
    ScopeAttributes: {},
    LogAttributes: { 'order.id': '42' },
    ...overrides,
  };
}
