/**
 * What a reader may touch: the lists the query guard checks an AST against. Names are compared in
 * lower case (ClickHouse resolves several function names case-insensitively).
 */

/** Table functions that only make rows up or read what the query gives them. Every other one is refused. */
export const TABLE_FUNCTIONS = lower(['numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'generate_series', 'generateSeries', 'values', 'null', 'format', 'view', 'generateRandom', 'primes']);

/**
 * Ordinary functions refused anywhere: they read files (`file`, `catboostEvaluate`), reach
 * dictionaries or Join tables by name, which may live in other databases or external sources
 * (`dictGet*`, `joinGet`), probe other tables, sleep the shared engine, or show server internals.
 * Any name that is also a table function (`url`, `s3`, `remote`, …) is refused too, wherever it
 * appears, unless it is in {@link TABLE_FUNCTIONS}.
 */
export const DENIED_FUNCTIONS = lower([
  'file', 'catboostEvaluate', 'joinGet', 'joinGetOrNull', 'hasColumnInTable', 'hasThreadFuzzer',
  'sleep', 'sleepEachRow', 'getServerSetting', 'getMergeTreeSetting', 'showCertificate', 'getClientHTTPHeader',
  'addressToLine', 'addressToLineWithInlines', 'addressToSymbol', 'demangle', 'trap',
  'filesystemAvailable', 'filesystemCapacity', 'filesystemUnreserved', 'getMacro', 'serverUUID',
  'getOSKernelVersion', 'zookeeperSessionUptime',
  'structureToCapnProtoSchema', 'structureToProtobufSchema', 'evalMLMethod', 'naiveBayesClassifier',
  'transactionID', 'transactionLatestSnapshot', 'transactionOldestSnapshot',
]);

/** Function-name prefixes refused anywhere (`dictGet`, `dictGetOrDefault`, `dictHas`, `dictIsIn`, …). */
export const DENIED_FUNCTION_PREFIXES = ['dict'];

/**
 * Tables of `system` a reader may read: what clients ask for to list databases, tables, columns,
 * functions and types. Not users, roles, grants, quotas, processes, query or text logs, settings of
 * the server, disks, or anything naming paths.
 */
export const SYSTEM_TABLES = new Set([
  'one', 'numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'databases', 'tables', 'columns', 'functions',
  'table_functions', 'formats', 'data_type_families', 'collations', 'time_zones', 'build_options',
  'contributors', 'licenses', 'aggregate_function_combinators', 'table_engines', 'keywords',
  'data_skipping_indices', 'settings',
]);

/** Views of `information_schema` (either case) a reader may read: SQL clients list schemas and columns through them. */
export const INFORMATION_SCHEMA_VIEWS = new Set(['tables', 'columns', 'schemata', 'views', 'TABLES', 'COLUMNS', 'SCHEMATA', 'VIEWS']);

/**
 * Settings a query may set, in a `SETTINGS` clause at any depth or as a URL parameter: output
 * shaping and harmless behaviour. The limits (`max_*`) may only be lowered.
 */
export const ALLOWED_SETTINGS = new Set([
  'output_format_json_quote_64bit_integers', 'output_format_json_quote_64bit_floats', 'output_format_json_quote_denormals',
  'output_format_json_quote_decimals', 'output_format_json_named_tuples_as_objects', 'output_format_json_array_of_rows',
  'output_format_json_validate_utf8', 'output_format_json_escape_forward_slashes', 'output_format_write_statistics',
  'output_format_decimal_trailing_zeros', 'output_format_csv_crlf_end_of_line', 'output_format_tsv_crlf_end_of_line',
  'output_format_arrow_string_as_string', 'output_format_arrow_low_cardinality_as_dictionary', 'output_format_parquet_string_as_string',
  'output_format_pretty_max_rows', 'output_format_pretty_color', 'output_format_pretty_row_numbers', 'output_format_pretty_max_value_width',
  'output_format_native_encode_types_in_binary_format', 'format_csv_delimiter', 'format_csv_null_representation', 'format_tsv_null_representation',
  'date_time_output_format', 'date_time_input_format', 'session_timezone', 'join_use_nulls', 'join_algorithm', 'joined_subquery_requires_alias',
  'extremes', 'totals_mode', 'totals_auto_threshold', 'group_by_two_level_threshold', 'any_join_distinct_right_table_keys',
  'enable_analyzer', 'allow_experimental_analyzer', 'prefer_column_name_to_alias', 'aggregate_functions_null_for_empty',
  'cast_keep_nullable', 'transform_null_in', 'optimize_read_in_order', 'optimize_aggregation_in_order', 'use_skip_indexes',
  'force_primary_key', 'force_index_by_date', 'limit', 'offset', 'log_comment', 'result_overflow_mode',
  'enable_http_compression', 'http_zlib_compression_level', 'union_default_mode', 'except_default_mode', 'intersect_default_mode',
  'allow_experimental_json_type', 'allow_suspicious_low_cardinality_types', 'function_json_value_return_type_allow_complex',
]);

/** Limit settings: a query may set them, never above the endpoint's limit (nor to 0, which is unlimited). */
export const LIMIT_SETTINGS = {
  max_execution_time: 'maxExecutionTimeSeconds',
  max_rows_to_read: 'maxRowsToRead',
  max_bytes_to_read: 'maxBytesToRead',
  max_result_rows: 'maxResultRows',
  max_result_bytes: 'maxResultBytes',
  max_memory_usage: 'maxMemoryUsage',
  max_threads: 'maxThreads',
} as const;

function lower(names: string[]): Set<string> {
  return new Set(names.map((n) => n.toLowerCase()));
}
