import { openSync, readFileSync, writeFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from '../src/config/load.ts';
import type { ConfigInput } from '../src/config/schema.ts';
import { createLogger } from '../src/ops/logger.ts';
import { buildProcessors } from '../src/processors/registry.ts';
import { maskText } from '../src/secrets.ts';
import { createGateway } from '../src/gateway.ts';
import { tempDataDir } from './support/gateway.ts';
import { logsRequest, post } from './support/payloads.ts';
import { freePort } from './support/process.ts';

/** Every credential a configuration can carry; none may appear in an error or a log line. */
const secrets = {
  urlPassword: 'SuperSecretPw',
  clickhousePassword: 'Ch-Passw0rd-Value',
  slackPath: 'T0SECRET/B0SECRET/XyZsEcReTvAlUe123',
  hookPath: 'hook/abcDEF123secret',
  hookKey: 'Kk123secretkey',
  authorization: 'wh-token-Value-42',
  apiKey: 'apikey-Secret-77',
  ingestToken: 'ingest-Token-Secret-1',
  adminToken: 'admin-Token-Secret-2',
  sqlPassword: 'SqlUserPw-9',
  hashSecret: 'hash-secret-of-more-than-32-characters-xyz',
};

/** A configuration holding every one of them, in the options that carry them. */
function withSecrets(extra: ConfigInput = {}): Record<string, unknown> {
  return {
    ...extra,
    clickhouse: { url: `http://otel:${secrets.urlPassword}@127.0.0.1:1`, password: secrets.clickhousePassword, ...(extra.clickhouse as object) },
    auth: { ingestTokens: [secrets.ingestToken], adminTokens: [secrets.adminToken] },
    sql: { users: [`reader:${secrets.sqlPassword}`] },
    issues: {
      alerts: {
        webhooks: [
          { url: `https://hooks.slack.com/services/${secrets.slackPath}`, format: 'slack' },
          {
            url: `https://alerts.example.com/${secrets.hookPath}?key=${secrets.hookKey}`,
            headers: { Authorization: `Bearer ${secrets.authorization}`, 'X-Api-Key': secrets.apiKey },
          },
        ],
      },
    },
    processors: [{ type: 'redaction', hashSecret: secrets.hashSecret, rules: { email: 'hash' } }],
  };
}

function expectNoSecret(text: string): void {
  for (const [name, value] of Object.entries(secrets)) expect(text, `${name} shown`).not.toContain(value);
}

function configError(input: unknown): string {
  try {
    validateConfig(input);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('a configuration error', () => {
  it('names the bad field and shows none of the credentials the configuration holds', () => {
    const message = configError(withSecrets({ port: 'abc' as never }));
    expect(message).toMatch(/port = "abc"/);
    expectNoSecret(message);
  });

  it.each([
    ['a URL with a password that is not a URL the schema takes', { clickhouse: { url: `http://otel:${secrets.urlPassword}@clickhouse:8123 /x` } }, /clickhouse\.url = "http:\/\/otel:\(hidden\)@clickhouse:8123/],
    ['a bad header value', { issues: { alerts: { webhooks: [{ url: 'https://a.example.com/h', headers: { Authorization: `Bearer ${secrets.authorization}\n` } }] } } }, /issues\.alerts\.webhooks\.0\.headers\.Authorization = \(hidden\)/],
    ['a webhook URL of the wrong scheme', { issues: { alerts: { webhooks: [{ url: `ftp://hooks.slack.com/services/${secrets.slackPath}` }] } } }, /issues\.alerts\.webhooks\.0\.url = "ftp:\/\/hooks\.slack\.com\/\(hidden\)"/],
    ['a password of the wrong type', { clickhouse: { password: [secrets.clickhousePassword] } }, /clickhouse\.password = \(hidden\)/],
    ['a malformed SQL user', { sql: { users: [`reader-without-colon-${secrets.sqlPassword}`] } }, /sql\.users\.0 = \(hidden\)/],
  ])('hides %s and still names the field', (_what, input, field) => {
    const message = configError(input);
    expect(message).toMatch(field);
    expectNoSecret(message);
  });

  it('from a processor option hides the secret and names the option by its path', () => {
    let message = '';
    try {
      buildProcessors([{ type: 'redaction', hashSecret: secrets.hashSecret.slice(0, 20), customRules: [{ name: 'x', pattern: '(' }] }] as never);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/processors\[0\]\.hashSecret\.length = 20: must be at least 32 characters/);
    expect(message).toMatch(/processors\[0\]\.customRules\.0\.pattern = "\(": must be a valid regular expression/);
    expect(message).not.toContain(secrets.hashSecret.slice(0, 20));
  });

  it('in a YAML file that does not parse is one line and does not quote the file', () => {
    const dir = tempDataDir('otelhouse-config-');
    const file = join(dir.dir, 'otelhouse.yaml');
    writeFileSync(file, `clickhouse:\n  password: ${secrets.clickhousePassword}\n  url: [http://otel:${secrets.urlPassword}@x\n`);
    try {
      expect(() => loadConfig({ OTELHOUSE_CONFIG: file })).toThrow(/not valid YAML/);
      const message = (() => {
        try {
          loadConfig({ OTELHOUSE_CONFIG: file });
          return '';
        } catch (err) {
          return (err as Error).message;
        }
      })();
      expect(message).not.toContain('\n');
      expectNoSecret(message);
    } finally {
      dir.remove();
    }
  });
});

describe('credential-shaped text', () => {
  it.each([
    ['http://otel:pw-1@clickhouse:8123/?query=SELECT%201', 'http://otel:(hidden)@clickhouse:8123/?query=SELECT%201'],
    ['POST https://hooks.slack.com/services/T0/B0/xyz failed', 'POST https://hooks.slack.com/(hidden) failed'],
    ['authorization: Bearer abc.def.ghi', 'authorization: Bearer (hidden)'],
    ['GET /hook?api_key=k-123&page=2', 'GET /hook?api_key=(hidden)&page=2'],
  ])('is hidden in %s', (text, masked) => {
    expect(maskText(text)).toBe(masked);
  });

  it.each([
    '{"url":"http://127.0.0.1:4318","msg":"otelhouse accepting OTLP/HTTP"}',
    'connect ECONNREFUSED 127.0.0.1:8123',
    'GET /v1/config?service.name=checkout&platform=web',
    'user@example.com sent 3 spans',
  ])('leaves text without credentials as it is: %s', (text) => {
    expect(maskText(text)).toBe(text);
  });
});

describe('the gateway\'s log lines', () => {
  it('show none of the configuration\'s credentials, whatever carries them', () => {
    const config = validateConfig({ ...withSecrets(), logLevel: 'debug' });
    const dir = tempDataDir('otelhouse-log-');
    const file = join(dir.dir, 'log.jsonl');
    const fd = openSync(file, 'w');
    try {
      const logger = createLogger(config, fd);
      // What a library hands back: an error echoing the URL, a request's headers, a webhook URL, a token.
      logger.error({ err: new Error(`connect ECONNREFUSED ${config.clickhouse.url}`) }, 'ClickHouse unreachable');
      logger.warn({ url: config.issues.alerts.webhooks[0].url, reason: 'HTTP 404' }, 'alert delivery failed');
      logger.warn({ headers: config.issues.alerts.webhooks[1].headers, url: config.issues.alerts.webhooks[1].url }, 'alert delivery failed');
      logger.info(`tokens ${config.auth.ingestTokens.join(',')} and ${JSON.stringify(config.auth.adminTokens)}`);
      logger.info({ password: secrets.clickhousePassword, users: config.sql.users, hash: secrets.hashSecret }, 'echo');
      logger.info(`percent-encoded ${encodeURIComponent(`p"${secrets.sqlPassword}`)} and quoted "${secrets.apiKey}"`);
      logger.flush?.();
    } finally {
      closeSync(fd);
    }
    const text = readFileSync(file, 'utf8');
    dir.remove();
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(6);
    // Still JSON, still saying what happened.
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain('ClickHouse unreachable');
    expect(text).toContain('http://otel:(hidden)@127.0.0.1:1');
    expect(text).toContain('hooks.slack.com/(hidden)');
    expectNoSecret(text);
  });
});

describe('a runtime failure', () => {
  it('a webhook that cannot be reached is logged without its URL\'s path or its headers', async () => {
    const closed = await freePort();
    const data = tempDataDir();
    const logFile = `${data.dir}.log`;
    const fd = openSync(logFile, 'w');
    const config = validateConfig({
      port: 0,
      logLevel: 'info',
      dataDir: data.dir,
      sql: { port: 0 },
      exporter: { segmentMaxAgeMs: 50 },
      auth: { ingestTokens: [secrets.ingestToken] },
      issues: {
        alerts: {
          retryInitialMs: 10,
          retryMaxMs: 10,
          webhooks: [{
            url: `http://hook:${secrets.urlPassword}@127.0.0.1:${closed}/services/${secrets.slackPath}?key=${secrets.hookKey}`,
            headers: { Authorization: `Bearer ${secrets.authorization}` },
            maxAttempts: 1,
            timeoutMs: 1000,
          }],
        },
      },
    });
    const gateway = await createGateway(config, { logger: createLogger(config, fd) });
    try {
      await gateway.listen();
      const error = logsRequest('checkout', [{ time: '1700000000000000000', severityNumber: 17, severityText: 'ERROR', body: 'card declined' }]);
      expect((await post(gateway.url, '/v1/logs', error, { authorization: `Bearer ${secrets.ingestToken}` })).status).toBe(200);
      const deadline = Date.now() + 20_000;
      while (!readFileSync(logFile, 'utf8').includes('issue alert not delivered')) {
        if (Date.now() > deadline) throw new Error(`no delivery failure logged: ${readFileSync(logFile, 'utf8')}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await gateway.shutdown();
      closeSync(fd);
    }
    const log = readFileSync(logFile, 'utf8');
    data.remove();
    expect(log).toMatch(/"webhook":"127\.0\.0\.1:\d+".*"msg":"issue alert not delivered"/);
    expectNoSecret(log);
  }, 60_000);
});
