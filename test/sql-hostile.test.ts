import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql, startSqlFixture, type SqlFixture } from './support/sql.ts';

// Every statement here must be refused with the code given, and leave nothing behind: the canary
// table keeps its one row, no table or database appears, no file is written.
const outfile = join(tmpdir(), `otelhouse-outfile-${process.pid}`);
const deep = `SELECT ${'('.repeat(5000)}1${')'.repeat(5000)}`;

type Case = [what: string, query: string, code: number, params?: Record<string, string>];
const READONLY = 164;
const ACCESS_DENIED = 497;
const SYNTAX_ERROR = 62;

const cases: Case[] = [
  // Writes and DDL
  ['DROP TABLE', 'DROP TABLE canary', READONLY],
  ['TRUNCATE', 'TRUNCATE TABLE canary', READONLY],
  ['ALTER … DELETE', 'ALTER TABLE canary DELETE WHERE 1', READONLY],
  ['ALTER … UPDATE', 'ALTER TABLE canary UPDATE x = 0 WHERE 1', READONLY],
  ['lightweight DELETE', 'DELETE FROM canary WHERE 1', READONLY],
  ['INSERT VALUES', 'INSERT INTO canary VALUES (2)', READONLY],
  ['INSERT … SELECT', 'INSERT INTO canary SELECT number FROM numbers(10)', READONLY],
  ['INSERT INTO FUNCTION file()', `INSERT INTO FUNCTION file('${outfile}', 'CSV', 'x UInt8') VALUES (1)`, READONLY],
  ['CREATE TABLE', 'CREATE TABLE evil (x UInt8) ENGINE = Memory', READONLY],
  ['CREATE TABLE AS SELECT', 'CREATE TABLE evil ENGINE = Memory AS SELECT 1', READONLY],
  ['CREATE DATABASE', 'CREATE DATABASE evil', READONLY],
  ['CREATE VIEW over system.users', 'CREATE VIEW evil AS SELECT * FROM system.users', READONLY],
  ['CREATE FUNCTION', 'CREATE FUNCTION evil AS (x) -> x', READONLY],
  ['RENAME', 'RENAME TABLE canary TO canary2', READONLY],
  ['EXCHANGE', 'EXCHANGE TABLES canary AND otel_logs', READONLY],
  ['DETACH', 'DETACH TABLE canary', READONLY],
  ['OPTIMIZE', 'OPTIMIZE TABLE canary FINAL', READONLY],
  ['SYSTEM', 'SYSTEM FLUSH LOGS', READONLY],
  ['SYSTEM SHUTDOWN', 'SYSTEM SHUTDOWN', READONLY],
  ['KILL QUERY', 'KILL QUERY WHERE 1', READONLY],
  ['SET', 'SET readonly = 0', READONLY],
  ['USE', 'USE system', READONLY],
  ['GRANT', 'GRANT ALL ON *.* TO default', READONLY],
  ['CREATE USER', "CREATE USER evil IDENTIFIED BY 'x'", READONLY],
  ['SHOW GRANTS', 'SHOW GRANTS', READONLY],
  ['SHOW PROCESSLIST', 'SHOW PROCESSLIST', READONLY],
  ['EXPLAIN (a statement the endpoint does not run)', 'EXPLAIN PIPELINE SELECT 1', READONLY],
  // Table functions and functions that reach files, network, processes or other databases
  ["file('/etc/passwd')", "SELECT * FROM file('/etc/passwd', 'LineAsString')", ACCESS_DENIED],
  ['file() as a scalar function', "SELECT file('/etc/passwd')", ACCESS_DENIED],
  ['FILE() in upper case', "SELECT * FROM FILE('/etc/passwd', 'LineAsString')", ACCESS_DENIED],
  ['url()', "SELECT * FROM url('http://127.0.0.1:1/', CSV, 'x String')", ACCESS_DENIED],
  ['remote()', "SELECT * FROM remote('127.0.0.1', system.one)", ACCESS_DENIED],
  ['remoteSecure()', "SELECT * FROM remoteSecure('127.0.0.1', system.one)", ACCESS_DENIED],
  ['cluster()', "SELECT * FROM cluster('default', system.one)", ACCESS_DENIED],
  ['s3()', "SELECT * FROM s3('http://127.0.0.1:1/b/k.csv', CSV)", ACCESS_DENIED],
  ['hdfs()', "SELECT * FROM hdfs('hdfs://127.0.0.1:1/x', CSV, 'x String')", ACCESS_DENIED],
  ['executable()', "SELECT * FROM executable('cat /etc/passwd', TSV, 'x String')", ACCESS_DENIED],
  ['mysql()', "SELECT * FROM mysql('127.0.0.1:1', 'd', 't', 'u', 'p')", ACCESS_DENIED],
  ['postgresql()', "SELECT * FROM postgresql('127.0.0.1:1', 'd', 't', 'u', 'p')", ACCESS_DENIED],
  ['input()', "SELECT * FROM input('x String')", ACCESS_DENIED],
  ['filesystem()', "SELECT * FROM filesystem('/')", ACCESS_DENIED],
  ['merge() over system', "SELECT * FROM merge('system', '^users$')", ACCESS_DENIED],
  ['loop() over system.users', 'SELECT * FROM loop(system.users) LIMIT 1', ACCESS_DENIED],
  ['viewIfPermitted()', "SELECT * FROM viewIfPermitted(SELECT * FROM system.users ELSE null('x UInt8'))", ACCESS_DENIED],
  ['mergeTreeIndex()', "SELECT * FROM mergeTreeIndex('default', 'canary')", ACCESS_DENIED],
  ['a table function in a subquery in WHERE', "SELECT 1 WHERE 1 IN (SELECT 1 FROM file('/etc/passwd', 'LineAsString'))", ACCESS_DENIED],
  ['DESCRIBE of file()', "DESCRIBE TABLE file('/etc/passwd', 'LineAsString')", ACCESS_DENIED],
  ['dictGet', "SELECT dictGet('other.dict', 'v', toUInt64(1))", ACCESS_DENIED],
  ['joinGet', "SELECT joinGet('other.secret', 'v', 1)", ACCESS_DENIED],
  ['sleep', 'SELECT sleep(3)', ACCESS_DENIED],
  ['INTO OUTFILE', `SELECT 1 INTO OUTFILE '${outfile}'`, ACCESS_DENIED],
  ['INTO OUTFILE with a format', `SELECT * FROM canary INTO OUTFILE '${outfile}' TRUNCATE FORMAT CSV`, ACCESS_DENIED],
  // Other databases and system tables that leak
  ['system.users', 'SELECT * FROM system.users', ACCESS_DENIED],
  ['system.grants', 'SELECT * FROM system.grants', ACCESS_DENIED],
  ['system.processes', 'SELECT * FROM system.processes', ACCESS_DENIED],
  ['system.query_log', 'SELECT * FROM system.query_log', ACCESS_DENIED],
  ['system.disks (paths)', 'SELECT * FROM system.disks', ACCESS_DENIED],
  ['another database', 'SELECT * FROM other.secret', ACCESS_DENIED],
  ['another database, quoted', 'SELECT * FROM `other`.`secret`', ACCESS_DENIED],
  ['another database through IN', 'SELECT 1 IN other.secret', ACCESS_DENIED],
  ['another database in a JOIN', 'SELECT * FROM canary AS c JOIN other.secret AS s ON c.x = s.v', ACCESS_DENIED],
  ['another database in a CTE', 'WITH s AS (SELECT * FROM other.secret) SELECT * FROM s', ACCESS_DENIED],
  ['a table named by an Identifier parameter', 'SELECT * FROM {t:Identifier}', ACCESS_DENIED, { param_t: 'system.users' }],
  ['SHOW TABLES of another database', 'SHOW TABLES FROM other', ACCESS_DENIED],
  ['the database URL parameter', 'SELECT * FROM secret', 81, { database: 'other' }],
  // Settings outside the allow-list, at any depth
  ['readonly=2 in a subquery around file()', "SELECT * FROM (SELECT * FROM file('/etc/passwd', 'LineAsString') SETTINGS readonly = 2)", ACCESS_DENIED],
  ['readonly=0 in a subquery', 'SELECT * FROM (SELECT 1 SETTINGS readonly = 0)', READONLY],
  ['readonly=0 after FORMAT', 'SELECT 1 FORMAT TSV SETTINGS readonly = 0', READONLY],
  ['readonly=0 as a URL parameter', 'SELECT 1', READONLY, { readonly: '0' }],
  ['max_execution_time = 0 (unlimited)', 'SELECT 1 SETTINGS max_execution_time = 0', READONLY],
  ['max_threads above the limit', 'SELECT 1 SETTINGS max_threads = 64', READONLY],
  ['max_memory_usage = 0 in a nested subquery', 'SELECT * FROM (SELECT * FROM (SELECT 1 SETTINGS max_memory_usage = 0))', READONLY],
  ['allow_introspection_functions', 'SELECT 1 SETTINGS allow_introspection_functions = 1', READONLY],
  ['a setting not on the allow-list, as a URL parameter', 'SELECT 1', READONLY, { allow_ddl: '1' }],
  // Several statements and hidden ones
  ['two statements', 'SELECT 1; DROP TABLE canary', SYNTAX_ERROR],
  ['a statement after a line comment', 'SELECT 1 --\n; INSERT INTO canary VALUES (3)', SYNTAX_ERROR],
  ['a statement after a block comment', 'SELECT 1 /* x */; TRUNCATE TABLE canary', SYNTAX_ERROR],
  ['a statement in the body after the query parameter', 'DROP TABLE canary', SYNTAX_ERROR, { query: 'SELECT 1;' }],
  // Shapes that try the parser or the limits
  ['very deep nesting', deep, 306],
  ['a query text past max_query_size', `SELECT '${'x'.repeat(300_000)}'`, SYNTAX_ERROR],
  ['a format that reads template files', 'SELECT 1 FORMAT Template', ACCESS_DENIED],
  ["ClickHouse's native compression", 'SELECT 1', 48, { compress: '1' }],
];

let fx: SqlFixture;
let before: unknown;
const state = async () => (await fx.gateway.client.query({ query: "SELECT (SELECT groupArray(x) FROM default.canary) AS canary, (SELECT groupArray(database || '.' || name) FROM system.tables WHERE database NOT IN ('system', 'information_schema', 'INFORMATION_SCHEMA')) AS tables, (SELECT groupArray(name) FROM system.databases) AS dbs", format: 'JSONEachRow' })).json();
beforeAll(async () => {
  fx = await startSqlFixture();
  for (const ddl of ['CREATE TABLE default.canary (x UInt8) ENGINE = MergeTree ORDER BY x', 'INSERT INTO default.canary VALUES (1)', 'CREATE DATABASE other', 'CREATE TABLE other.secret (v UInt8) ENGINE = Memory', 'INSERT INTO other.secret VALUES (7)']) {
    await fx.gateway.client.command({ query: ddl });
  }
  before = await state();
});
afterAll(async () => {
  rmSync(outfile, { force: true });
  await fx?.close();
});

it('holds at least 40 hostile queries', () => expect(cases.length).toBeGreaterThanOrEqual(40));

const table = cases.map(([what, query, code, params = {}]) => ({ what, query, code, params }));
it.each(table)('refuses $what with code $code', async ({ query, code, params }) => {
  const res = await sql(fx.server, query, params);
  const body = await res.text();
  expect(res.headers.get('x-clickhouse-exception-code'), body).toBe(String(code));
  expect(body).toMatch(new RegExp(`^Code: ${code}\\. DB::Exception: `));
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(existsSync(outfile)).toBe(false);
  expect(await state()).toEqual(before);
});

it('still reads what a reader may read (the suite refuses for the right reasons)', async () => {
  for (const query of ['SELECT x FROM canary', 'SELECT count() FROM system.tables', 'SELECT * FROM numbers(3) SETTINGS max_threads = 1', 'SHOW TABLES', 'DESCRIBE TABLE canary', "SELECT format('{}-{}', 'a', 'b')"]) {
    const res = await sql(fx.server, query);
    expect(res.status, `${query}: ${await res.clone().text()}`).toBe(200);
  }
});
