/** The read-only ClickHouse HTTP endpoint on the embedded store (issue 11, points 1–2). */
export { startSqlServer, type SqlServer, type SqlServerOptions } from './server.ts';
export { sqlConfigSchema, sqlPort, type SqlConfig, type SqlLimits } from './config.ts';
