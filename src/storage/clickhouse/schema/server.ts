import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';

import type { ServerFeatures } from './migrations.ts';
import { renderTemplate } from './render.ts';

/** The collector's `versionFullTextSearch`: `text(...)` indexes from ClickHouse 26.2 on. */
const FULL_TEXT_SEARCH_SINCE: readonly [number, number] = [26, 2];

/** Settings that gate `text(...)` indexes on some versions; passed as 1 when the server has them off. */
const TEXT_INDEX_SETTINGS = ['enable_full_text_index', 'allow_experimental_full_text_index'];

/** What `migrate` learns from the server before rendering. */
export interface ServerInfo extends ServerFeatures {
  /** `SELECT version()`, e.g. `26.7.2.1`. */
  version: string;
  /** Query settings every DDL statement needs on this server (empty when none). */
  ddlSettings: ClickHouseSettings;
}

/** Whether a `version()` string is at least 26.2. */
export function hasFullTextSearch(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const [wantMajor, wantMinor] = FULL_TEXT_SEARCH_SINCE;
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

/** Asks the server for its version and for any text-index setting that is switched off. */
export async function probeServer(client: ClickHouseClient): Promise<ServerInfo> {
  const [{ version, disabled }] = await rows<{ version: string; disabled: string[] }>(
    client,
    renderTemplate('server_probe', {}),
    { textIndexSettings: TEXT_INDEX_SETTINGS },
  );
  const fullTextSearch = hasFullTextSearch(version);
  const ddlSettings = fullTextSearch ? Object.fromEntries(disabled.map((name) => [name, 1])) : {};
  return { version, fullTextSearch, ddlSettings: ddlSettings as ClickHouseSettings };
}

/** Runs a SELECT and returns its rows as objects. */
export async function rows<T>(client: ClickHouseClient, query: string, params?: Record<string, unknown>): Promise<T[]> {
  const result = await client.query({ query, format: 'JSONEachRow', query_params: params });
  return result.json<T>();
}
