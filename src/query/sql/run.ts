/** Runs one reader's query: guard, limits, concurrency cap, engine. */
import { randomUUID } from 'node:crypto';
import type { DataFormat } from '@clickhouse/client';
import type { ClickHouseClient } from '../../storage/clickhouse/client.ts';
import type { SqlLimits } from './config.ts';
import { SqlError, fromEngine } from './errors.ts';
import { checkFormat } from './formats.ts';
import { nativeAtRevision } from './native.ts';
import type { Gate } from './gate.ts';
import type { QueryGuard } from './guard.ts';
import type { SqlRequest } from './request.ts';
import { settingsList } from './settings.ts';

export interface QueryResult {
  body: Buffer;
  format: string;
  queryId: string;
  summary: Record<string, string>;
}

export interface Runner {
  run(text: string, request: SqlRequest, signal: AbortSignal): Promise<QueryResult>;
}

export function createRunner(deps: { client: ClickHouseClient; database: string; guard: QueryGuard; gate: Gate; limits: SqlLimits }): Runner {
  const { client, database, guard, gate, limits } = deps;
  return {
    async run(text, request, signal) {
      const queryId = request.queryId ?? randomUUID();
      if (Buffer.byteLength(text) > limits.maxQueryBytes) throw SqlError.of('SYNTAX_ERROR', `Syntax error: Max query size exceeded (${limits.maxQueryBytes} bytes)`);
      if (!text.trim()) throw SqlError.of('SYNTAX_ERROR', 'Empty query');
      if (request.database && request.database !== database && request.database !== 'default') {
        throw SqlError.of('UNKNOWN_DATABASE', `Database ${request.database} is not readable here; this endpoint serves database ${database}`);
      }
      const release = await gate.acquire();
      try {
        const classified = await guard.classify(text, request.queryParams);
        const format = classified.format ?? request.defaultFormat ?? 'TabSeparated';
        checkFormat(format);
        const native = format === 'Native' && request.clientProtocolVersion > 0;
        const settings = settingsList(limits, request.settings);
        const suffix = classified.settingsAfterFormat ? `, ${settings}` : classified.format ? ` SETTINGS ${settings}` : ` FORMAT ${format} SETTINGS ${settings}`;
        const result = await client
          .exec({ query: classified.sql + suffix, query_params: request.queryParams, query_id: queryId, abort_signal: signal, clickhouse_settings: { default_format: format as DataFormat } })
          .catch((err: unknown) => {
            throw fromEngine(err);
          });
        const chunks: Buffer[] = [];
        for await (const chunk of result.stream) chunks.push(chunk as Buffer);
        const summary = { written_rows: '0', written_bytes: '0', ...(result.summary as Record<string, string> | undefined) };
        const body = Buffer.concat(chunks);
        return { body: native ? nativeAtRevision(body, request.clientProtocolVersion) : body, format, queryId, summary };
      } finally {
        release();
      }
    },
  };
}
