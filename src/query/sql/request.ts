/** What a ClickHouse HTTP request asks for, read from its URL parameters. */
import type { SqlLimits } from './config.ts';
import { SqlError } from './errors.ts';
import { LIMIT_SETTINGS } from './policy.ts';
import { checkSetting } from './settings.ts';

export interface SqlRequest {
  /** `query` URL parameter (the body, if any, follows it after a newline). */
  query: string;
  database?: string;
  defaultFormat?: string;
  queryId?: string;
  /** Settings given as URL parameters, checked against the allow-list. */
  settings: Map<string, string>;
  /** `param_<name>` values for `{name:Type}` placeholders. */
  queryParams: Record<string, string>;
  /** `enable_http_compression=1`: the response may be compressed as `Accept-Encoding` allows. */
  compress: boolean;
  /** `client_protocol_version` (clickhouse-go sends it and reads `Native` as the TCP protocol at that revision). */
  clientProtocolVersion: number;
}

/** Parameters of ClickHouse's HTTP layer, not settings of the query. */
const HTTP_PARAMS = new Set([
  'query', 'database', 'default_format', 'query_id', 'user', 'password', 'quota_key', 'session_id', 'session_timeout', 'session_check',
  'wait_end_of_query', 'send_progress_in_http_headers', 'http_headers_progress_interval_ms', 'buffer_size', 'http_response_buffer_size',
  'cancel_http_readonly_queries_on_client_close', 'add_http_cors_header', 'http_zlib_compression_level', 'enable_http_compression',
  'client_protocol_version', 'decompress', 'compress', 'max_query_size', 'role', 'http_native_compression_disable_checksumming_on_decompress',
]);

export function readRequest(params: URLSearchParams, limits: SqlLimits): SqlRequest {
  const settings = new Map<string, string>();
  const queryParams: Record<string, string> = {};
  for (const [name, value] of params) {
    if (name.startsWith('param_')) queryParams[name.slice(6)] = value;
    else if (!HTTP_PARAMS.has(name)) {
      // A limit asked for in the URL is lowered to the endpoint's, not refused: Grafana sends its
      // query timeout as max_execution_time.
      if (name in LIMIT_SETTINGS) {
        if (!/^\d+(\.\d+)?$/.test(value)) throw SqlError.of('BAD_ARGUMENTS', `Cannot parse ${name} = ${JSON.stringify(value)} as a number`);
      } else checkSetting(name, value, limits);
      settings.set(name, value);
    }
  }
  if (params.get('compress') === '1' || params.get('decompress') === '1') {
    throw SqlError.of('NOT_IMPLEMENTED', "ClickHouse's native block compression (compress=1, decompress=1) is not supported here; use HTTP compression (enable_http_compression=1 with Accept-Encoding: gzip)");
  }
  return {
    query: params.get('query') ?? '',
    database: params.get('database') || undefined,
    defaultFormat: params.get('default_format') || undefined,
    queryId: params.get('query_id') || undefined,
    settings,
    queryParams,
    compress: params.get('enable_http_compression') === '1',
    clientProtocolVersion: Number(params.get('client_protocol_version') ?? 0) || 0,
  };
}
