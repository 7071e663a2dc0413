import { expect, it } from 'vitest';
import { sqlConfigSchema, sqlPort } from './config.ts';

it('reads users as name:password pairs, a password keeping its colons', () => {
  expect(sqlConfigSchema.parse({ users: 'grafana:s3cret, analyst:a:b' }).users).toEqual([
    { name: 'grafana', password: 's3cret' },
    { name: 'analyst', password: 'a:b' },
  ]);
  expect(sqlConfigSchema.parse({ users: ['grafana:x'] }).users).toEqual([{ name: 'grafana', password: 'x' }]);
  expect(sqlConfigSchema.safeParse({ users: 'no-password' }).success).toBe(false);
});

it('listens on 8123 with the embedded store, not at all beside a ClickHouse server, unless told', () => {
  const defaults = sqlConfigSchema.parse({});
  expect([defaults.host, defaults.users, defaults.maxThreads, defaults.maxConcurrentQueries]).toEqual(['127.0.0.1', [], 2, 2]);
  expect(sqlPort(defaults, undefined)).toBe(8123);
  expect(sqlPort(defaults, 'http://clickhouse:8123')).toBe(0);
  expect(sqlPort(sqlConfigSchema.parse({ port: '9000' }), 'http://clickhouse:8123')).toBe(9000);
  expect(sqlPort(sqlConfigSchema.parse({ port: 0 }), undefined)).toBe(0);
});
