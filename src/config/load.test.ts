import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../../test/support/gateway.ts';
import { ConfigError, loadConfig } from './load.ts';

function yamlFile(text: string): string {
  const dir = tempDataDir('otelhouse-config-').dir;
  const file = join(dir, 'otelhouse.yaml');
  writeFileSync(file, text);
  return file;
}

describe('loadConfig', () => {
  it('gives the documented defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 4318, dataDir: './data', clickhouse: { database: 'default' } });
    expect(config.clickhouse.url).toBeUndefined();
    expect(config.receiver.maxRequestBytes).toBe(64 * 1024 * 1024);
  });

  it('reads the YAML file named by OTELHOUSE_CONFIG and lets the environment override it', () => {
    const file = yamlFile('port: 9999\nclickhouse:\n  database: telemetry\n  ttlHours: 72\nexporter:\n  flushIntervalMs: 50\n');
    const config = loadConfig({
      OTELHOUSE_CONFIG: file,
      OTELHOUSE_PORT: '5000',
      OTELHOUSE_HOST: '0.0.0.0',
      OTELHOUSE_DATA_DIR: '/var/lib/otelhouse',
      OTELHOUSE_CLICKHOUSE_URL: 'http://clickhouse:8123',
      OTELHOUSE_INGEST_TOKENS: 'ingest-token-1, ingest-token-2',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 5000,
      dataDir: '/var/lib/otelhouse',
      clickhouse: { url: 'http://clickhouse:8123', database: 'telemetry', ttlHours: 72 },
      exporter: { flushIntervalMs: 50 },
      auth: { ingestTokens: ['ingest-token-1', 'ingest-token-2'] },
    });
  });

  it.each([
    [{ OTELHOUSE_PORT: 'abc' }, /port = "abc"/],
    [{ OTELHOUSE_PORT: '70000' }, /port = "70000"/],
    [{ OTELHOUSE_CLICKHOUSE_URL: 'not a url' }, /clickhouse\.url = "not a url"/],
    [{ OTELHOUSE_CLICKHOUSE_DATABASE: 'db; DROP TABLE x' }, /clickhouse\.database = "db; DROP TABLE x": must be a plain identifier/],
    [{ OTELHOUSE_LOG_LEVEL: 'loud' }, /logLevel = "loud"/],
  ])('fails fast naming the field and the value for %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('rejects unknown options in the YAML file by name', () => {
    const file = yamlFile('exporter:\n  flushIntervalMillis: 5\n');
    expect(() => loadConfig({ OTELHOUSE_CONFIG: file })).toThrow(/exporter: unknown option\(s\) flushIntervalMillis/);
  });

  it('reports a YAML file that does not parse or does not exist', () => {
    expect(() => loadConfig({ OTELHOUSE_CONFIG: yamlFile('port: [1, 2\n') })).toThrow(/not valid YAML/);
    expect(() => loadConfig({ OTELHOUSE_CONFIG: '/nonexistent/otelhouse.yaml' })).toThrow(/cannot read config file/);
  });

  it('validates the numbers of a nested section', () => {
    const file = yamlFile('receiver:\n  maxRequestBytes: -5\n');
    expect(() => loadConfig({ OTELHOUSE_CONFIG: file })).toThrow(/receiver\.maxRequestBytes = -5/);
  });
});
