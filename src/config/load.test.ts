import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from '../../test/support/gateway.ts';
import { ConfigError } from '../errors.ts';
import { loadConfig } from './load.ts';

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
    const file = yamlFile('port: 9999\nclickhouse:\n  database: telemetry\n  ttlHours: 72\nexporter:\n  segmentMaxAgeMs: 50\n');
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
      exporter: { segmentMaxAgeMs: 50 },
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

  describe('${env:NAME} in the YAML file', () => {
    const secret = 'k'.repeat(24) + '-from-the-environment';

    it('takes secrets from the environment, typed when the whole value is one reference', () => {
      const file = yamlFile(
        [
          'port: ${env:TEST_PORT}',
          'clickhouse:',
          '  url: "http://${env:TEST_CH_HOST}:8123"',
          '  password: ${env:TEST_CH_PASSWORD}',
          'exporter:',
          '  segmentMaxAgeMs: ${env:TEST_FLUSH_MS:-75}',
          'processors:',
          '  - type: redaction',
          '    rules: { email: hash }',
          '    hashSecret: ${env:TEST_HASH_SECRET}',
          '',
        ].join('\n'),
      );
      const config = loadConfig({
        OTELHOUSE_CONFIG: file,
        TEST_PORT: '9000',
        TEST_CH_HOST: 'clickhouse.internal',
        TEST_CH_PASSWORD: '12345',
        TEST_HASH_SECRET: secret,
      });
      expect(config.port).toBe(9000);
      expect(config.clickhouse.url).toBe('http://clickhouse.internal:8123');
      expect(config.clickhouse.password).toBe('12345'); // a string option keeps a numeric-looking secret as text
      expect(config.exporter.segmentMaxAgeMs).toBe(75); // the default after :-
      expect(config.processors[0]).toMatchObject({ type: 'redaction', hashSecret: secret });
    });

    it('keeps text that would not read back the same as a number, and $$ as a literal $', () => {
      const file = yamlFile('clickhouse:\n  password: ${env:TEST_PASSWORD}\n  username: ${env:TEST_USER}\n');
      const config = (password: string, user = 'u') => loadConfig({ OTELHOUSE_CONFIG: file, TEST_PASSWORD: password, TEST_USER: user }).clickhouse;
      expect(config('0123').password).toBe('0123');
      expect(config('1234567890123456789012345678901234567890').password).toBe('1234567890123456789012345678901234567890');
      expect(config('x', 'true').username).toBe('true');
      const escaped = yamlFile('clickhouse:\n  database: db$${env:TEST_USER}\n');
      expect(() => loadConfig({ OTELHOUSE_CONFIG: escaped })).toThrow(/clickhouse\.database = "db\$\{env:TEST_USER\}"/);
    });

    it('fails the start naming a variable that is not set', () => {
      const file = yamlFile('processors:\n  - type: redaction\n    hashSecret: ${env:TEST_UNSET_SECRET}\n');
      expect(() => loadConfig({ OTELHOUSE_CONFIG: file })).toThrow(ConfigError);
      expect(() => loadConfig({ OTELHOUSE_CONFIG: file })).toThrow(/environment variable TEST_UNSET_SECRET \(in \$\{env:TEST_UNSET_SECRET\}\) is not set/);
    });
  });

  it.each([
    [{ OTELHOUSE_INGEST_TOKENS: 'short1' }, 'short1', /auth\.ingestTokens\.0 = \(hidden\)/],
    [{ OTELHOUSE_ADMIN_TOKENS: 'valid-admin-token, tiny' }, 'tiny', /auth\.adminTokens\.1 = \(hidden\)/],
  ])('never shows a secret in an error, even a bad one (%o)', (env, value, message) => {
    expect(() => loadConfig(env)).toThrow(message);
    expect(() => loadConfig(env)).not.toThrow(value);
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

  it('takes admin tokens plain or named, refuses two with one name, and never prints a token', () => {
    const ok = loadConfig({ OTELHOUSE_CONFIG: yamlFile('auth:\n  adminTokens:\n    - plain-token-123\n    - name: ci-deploy\n      token: named-token-456\n') });
    expect(ok.auth.adminTokens).toEqual(['plain-token-123', { name: 'ci-deploy', token: 'named-token-456' }]);
    const twice = yamlFile('auth:\n  adminTokens:\n    - {name: ops, token: first-token-789}\n    - {name: ops, token: second-token-000}\n');
    let message = '';
    try {
      loadConfig({ OTELHOUSE_CONFIG: twice });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/auth\.adminTokens/);
    expect(message).not.toMatch(/first-token-789|second-token-000/);
  });

  it('rejects an in-flight bound below the largest request, which would refuse that request forever', () => {
    const file = yamlFile('receiver:\n  maxRequestBytes: 1048576\n  maxInFlightBytes: 65536\n');
    let message = '';
    try {
      loadConfig({ OTELHOUSE_CONFIG: file });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^invalid configuration: receiver\.maxInFlightBytes = 65536: must be at least receiver\.maxRequestBytes \(1048576\)/);
    expect(message).not.toContain('\n');
    expect(loadConfig({ OTELHOUSE_CONFIG: yamlFile('receiver:\n  maxRequestBytes: 65536\n  maxInFlightBytes: 65536\n') }).receiver.maxInFlightBytes).toBe(65536);
  });
});
