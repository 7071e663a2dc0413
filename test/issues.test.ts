import type { Attributes } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { startReceiver, type Receiver } from '../src/issues/alerts/testing.ts';
import { BUNDLE_URL, minify, runUntilThrow, SHOP_SOURCES } from '../src/issues/sourcemaps/testing.ts';
import { rows, startGateway } from './support/gateway.ts';
import { exportWith, recordLogs, recordSpans } from './support/otel.ts';
import { logsRequest, post } from './support/payloads.ts';

const ADMIN = 'admin-secret-token';
const admin = { authorization: `Bearer ${ADMIN}` };

let gateway: Gateway;
let webhook: Receiver;

beforeAll(async () => {
  webhook = await startReceiver();
  gateway = await startGateway({
    auth: { adminTokens: [ADMIN] },
    issues: {
      alerts: { webhooks: [{ url: webhook.url, format: 'json' }], retryInitialMs: 50, retryMaxMs: 200 },
      fingerprintRules: [{ match: { type: '^DatabaseUnavailable$' }, fingerprint: ['database-down'] }],
    },
  });
});
afterAll(async () => {
  await gateway?.shutdown();
  await webhook?.close();
});

async function api<T = any>(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: init.method ?? 'GET',
    headers: init.body === undefined ? admin : { ...admin, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. */
async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const alertsOf = (kind: string) =>
  webhook.requests.map((r) => JSON.parse(r.body)).filter((body) => body.event === kind);

/** A real Error thrown from one of two call sites of a small service, with a different order ID each time. */
function orderError(site: 'charge' | 'refund', orderId: number): Error {
  function charge(id: number): never {
    throw new TypeError(`card declined for order ${id}`);
  }
  function refund(id: number): never {
    throw new TypeError(`card declined for order ${id}`);
  }
  try {
    (site === 'charge' ? charge : refund)(orderId);
  } catch (err) {
    return err as Error;
  }
  throw new Error('unreachable');
}

function spansWithErrors(resource: Attributes, errors: Error[]) {
  return recordSpans(resource, (tracer) => {
    for (const error of errors) {
      const span = tracer.startSpan('POST /orders', { attributes: { 'user.id': `user-${errors.indexOf(error)}` } });
      span.recordException(error);
      span.end();
    }
  });
}

const exportSpans = async (spans: ReturnType<typeof recordSpans>) =>
  expect((await exportWith(new OTLPTraceExporter({ url: `${gateway.url}/v1/traces` }), spans)).code).toBe(0);

describe('errors sent as plain OTLP', () => {
  const resource = { 'service.name': 'orders', 'service.version': '1.4.0', 'deployment.environment.name': 'production', 'telemetry.sdk.language': 'nodejs' };
  let chargeFingerprint: string;
  let refundFingerprint: string;

  it('become occurrences in error_events, grouped by call site, each linked to its stored span', async () => {
    await exportSpans(spansWithErrors(resource, [orderError('charge', 1001), orderError('charge', 2002), orderError('refund', 3003)]));

    const events = await eventually(async () => {
      const found = await rows<{ Fingerprint: string; Message: string; ServiceVersion: string; Environment: string; Platform: string; UserId: string; Source: string }>(
        gateway,
        "SELECT Fingerprint, Message, ServiceVersion, Environment, Platform, UserId, Source FROM otelhouse_error_events WHERE ServiceName = 'orders' ORDER BY Message",
      );
      return found.length === 3 ? found : undefined;
    });
    expect(events.map((e) => e.Message)).toEqual(['card declined for order 1001', 'card declined for order 2002', 'card declined for order 3003']);
    expect(events[0]).toMatchObject({ ServiceVersion: '1.4.0', Environment: 'production', Platform: 'node', Source: 'span_event', UserId: 'user-0' });
    chargeFingerprint = events[0].Fingerprint;
    refundFingerprint = events[2].Fingerprint;
    expect(chargeFingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(events[1].Fingerprint).toBe(chargeFingerprint);
    expect(refundFingerprint).not.toBe(chargeFingerprint);

    // The span is stored as sent; its occurrence is found through TraceId and SpanId.
    const linked = await rows<{ fp: string }>(
      gateway,
      "SELECT e.Fingerprint AS fp FROM otelhouse_error_events AS e INNER JOIN otel_traces AS t ON e.TraceId = t.TraceId AND e.SpanId = t.SpanId " +
        "WHERE e.ServiceName = 'orders' AND has(t.Events.Name, 'exception')",
    );
    expect(linked.map((r) => r.fp).sort()).toEqual([chargeFingerprint, chargeFingerprint, refundFingerprint].sort());
  });

  it('are listed as issues with counts, users and versions, and each new issue is alerted once', async () => {
    const list = await eventually(async () => {
      const { body } = await api<{ issues: Array<{ fingerprint: string; events: number; users: number; status: string; title: string; versions: string[] }> }>(
        '/api/issues?service=orders&sort=events',
      );
      return body.issues.length === 2 ? body.issues : undefined;
    });
    expect(list[0]).toMatchObject({ fingerprint: chargeFingerprint, events: 2, users: 2, status: 'new', versions: ['1.4.0'] });
    expect(list[0].title).toBe('TypeError: card declined for order <int>');
    expect(list[1]).toMatchObject({ fingerprint: refundFingerprint, events: 1 });

    const alerts = await eventually(async () => (alertsOf('new').length >= 2 ? alertsOf('new') : undefined));
    expect(alerts.map((a) => a.issue.fingerprint).sort()).toEqual([chargeFingerprint, refundFingerprint].sort());

    const { body: detail } = await api(`/api/issues/${chargeFingerprint}`);
    expect(detail.timeline).toHaveLength(14);
    expect(detail.latestEvent.stacktrace).toContain('charge');
    expect(detail.issue.culprit).toContain('charge');
  });

  it('regress when resolved in a version and seen again in a newer one, and not in an older one', async () => {
    const patched = await api(`/api/issues/${chargeFingerprint}`, { method: 'PATCH', body: { status: 'resolved', resolution: { inVersion: '1.4.0' } } });
    expect(patched.status).toBe(200);
    expect(patched.body.state.status).toBe('resolved');
    expect((await api(`/api/issues/${chargeFingerprint}`, { method: 'PATCH', body: { status: 'resolved', resolution: { inVersion: '1.4.0' } } })).status).toBe(409);

    await exportSpans(spansWithErrors({ ...resource, 'service.version': '1.3.9' }, [orderError('charge', 4004)]));
    await eventually(async () => ((await api(`/api/issues/${chargeFingerprint}`)).body.stats.events === 3 ? true : undefined));
    expect((await api(`/api/issues/${chargeFingerprint}`)).body.issue.status).toBe('resolved');

    await exportSpans(spansWithErrors({ ...resource, 'service.version': '1.10.0' }, [orderError('charge', 5005)]));
    const regressed = await eventually(async () => alertsOf('regressed')[0]);
    expect(regressed.issue).toMatchObject({ fingerprint: chargeFingerprint, status: 'regressed' });
    expect((await api(`/api/issues/${chargeFingerprint}`)).body.issue.status).toBe('regressed');

    const { body: history } = await api(`/api/audit?entityType=issue&entityId=${chargeFingerprint}`);
    const actions = history.entries.map((e: { action: string }) => e.action);
    // Newest first: opened by the first event, resolved by the API, regressed by the 1.10.0 event (the 1.3.9 one changed nothing).
    expect(actions).toEqual(['issue.regress', 'issue.resolve', 'issue.open']);
  });

  it('also come from exception logs and from ERROR logs without exception attributes', async () => {
    const logs = recordLogs({ 'service.name': 'billing', 'service.version': '2.0.0' }, (logger) => {
      const error = orderError('refund', 77);
      // Distinct timestamps: records emitted within one millisecond would otherwise tie in the ORDER BY below.
      const at = Date.now() - 1000;
      logger.emit({
        timestamp: at,
        severityNumber: SeverityNumber.ERROR,
        severityText: 'ERROR',
        body: 'refund failed',
        attributes: { 'exception.type': error.name, 'exception.message': error.message, 'exception.stacktrace': error.stack! },
      });
      logger.emit({ timestamp: at + 1, severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'ledger sync timed out after 3000ms for account 8812' });
      logger.emit({ timestamp: at + 2, severityNumber: SeverityNumber.FATAL, severityText: 'FATAL', body: 'ledger sync timed out after 4500ms for account 9120' });
      logger.emit({ timestamp: at + 3, severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: 'ledger sync slow' });
    });
    expect((await exportWith(new OTLPLogExporter({ url: `${gateway.url}/v1/logs` }), logs)).code).toBe(0);

    const events = await eventually(async () => {
      const found = await rows<{ Fingerprint: string; ExceptionType: string; Severity: string; Source: string }>(
        gateway,
        "SELECT Fingerprint, ExceptionType, Severity, Source FROM otelhouse_error_events WHERE ServiceName = 'billing' ORDER BY Timestamp, Severity",
      );
      return found.length === 3 ? found : undefined;
    });
    expect(events.map((e) => [e.Source, e.ExceptionType, e.Severity])).toEqual([
      ['log', 'TypeError', 'error'],
      ['log', '', 'error'],
      ['log', '', 'fatal'],
    ]);
    expect(events[1].Fingerprint).toBe(events[2].Fingerprint); // same message once durations and IDs are parameterized
    // Each occurrence is one of the stored logs (the fourth, below ERROR, is none).
    const linked = await rows<{ fp: string; sev: number }>(
      gateway,
      "SELECT e.Fingerprint AS fp, l.SeverityNumber AS sev FROM otel_logs AS l LEFT JOIN otelhouse_error_events AS e ON e.Timestamp = l.Timestamp AND e.ServiceName = l.ServiceName " +
        "WHERE l.ServiceName = 'billing' ORDER BY l.Timestamp, l.SeverityNumber",
    );
    expect(linked.map((r) => r.fp)).toEqual([events[0].Fingerprint, events[1].Fingerprint, events[2].Fingerprint, '']);
  });
});

describe('an error storm a client folded into one record (otelhouse.occurrences)', () => {
  it('counts the record as the occurrences it stands for: issue events, daily chart and the alerted summary', async () => {
    const at = BigInt(Date.now() - 2_000) * 1_000_000n;
    const error = { 'exception.type': 'QuotaExceeded', 'exception.message': 'quota exceeded for tenant 42' };
    const record = (i: number, attributes: Record<string, string | number>) =>
      ({ time: String(at + BigInt(i) * 1_000_000n), severityNumber: 17, severityText: 'ERROR', body: 'quota exceeded', attributes });
    const body = logsRequest('storm', [record(0, { ...error, 'otelhouse.occurrences': 500 }), record(1, error), record(2, error)]);
    expect((await post(gateway.url, '/v1/logs', body)).status).toBe(200);

    const stored = await eventually(async () => {
      const found = await rows<{ Fingerprint: string; Occurrences: number }>(
        gateway, "SELECT Fingerprint, Occurrences FROM otelhouse_error_events WHERE ServiceName = 'storm' ORDER BY Timestamp",
      );
      return found.length === 3 ? found : undefined;
    });
    expect(stored.map((r) => r.Occurrences)).toEqual([500, 1, 1]);
    const fingerprint = stored[0].Fingerprint;
    expect(stored.every((r) => r.Fingerprint === fingerprint)).toBe(true);

    const { body: list } = await api('/api/issues?service=storm');
    expect(list.issues).toHaveLength(1);
    expect(list.issues[0]).toMatchObject({ fingerprint, events: 502, users: 0 });

    const { body: detail } = await api(`/api/issues/${fingerprint}`);
    expect(detail.stats.events).toBe(502);
    const days = detail.timeline.filter((d: { total: number }) => d.total > 0);
    expect(days).toEqual([{ day: new Date(Number(at / 1_000_000n)).toISOString().slice(0, 10), warning: 0, error: 502, fatal: 0, total: 502 }]);

    const alert = await eventually(async () => alertsOf('new').find((a) => a.issue.fingerprint === fingerprint));
    expect(alert.issue.events).toBe(502);
  });
});

describe('a fingerprint rule from config', () => {
  it('groups every matching error into one issue, whatever its stack and message', async () => {
    // Two call sites: without the rule these would be two issues.
    const named = (error: Error) => Object.assign(error, { name: 'DatabaseUnavailable' });
    function syncLedger(): Error {
      return named(new Error('connection refused at db-1:5432'));
    }
    function closeBooks(): Error {
      return named(new Error('connection refused at db-2:5432'));
    }
    const spans = recordSpans({ 'service.name': 'ledger' }, (tracer) => {
      for (const error of [syncLedger(), orderError('charge', 1), closeBooks()]) {
        const span = tracer.startSpan('sync');
        span.recordException(error);
        span.end();
      }
    });
    await exportSpans(spans);
    const list = await eventually(async () => {
      const { body } = await api('/api/issues?service=ledger&sort=events');
      return body.issues.length === 2 ? body.issues : undefined;
    });
    expect(list.map((i: { title: string; events: number }) => [i.title, i.events])).toEqual([
      ['DatabaseUnavailable: connection refused at db-<int>:<int>', 2],
      ['TypeError: card declined for order <int>', 1],
    ]);
  });
});

describe('a minified JavaScript error with an uploaded source map', () => {
  it('is grouped and stored with its original function names and files', async () => {
    const release = 'web@3.2.1';
    const bundle = await minify(SHOP_SOURCES, 'src/checkout.ts');
    const upload = await api(`/api/releases/${encodeURIComponent(release)}/sourcemaps`, { method: 'POST', body: { fileUrl: BUNDLE_URL, sourceMap: bundle.map } });
    expect(upload.status).toBe(201);

    const error = runUntilThrow(bundle, BUNDLE_URL, 'checkout', [{ sku: 'A-1', quantity: 2 }]);
    expect(error.stack).not.toContain('priceOf'); // minified names only
    const spans = recordSpans({ 'service.name': 'web', 'service.version': release, 'telemetry.sdk.language': 'webjs' }, (tracer) => {
      const span = tracer.startSpan('click checkout');
      span.recordException(error);
      span.end();
    });
    await exportSpans(spans);

    const [issue] = await eventually(async () => {
      const { body } = await api('/api/issues?service=web');
      return body.issues.length === 1 ? body.issues : undefined;
    });
    expect(issue.culprit).toContain('priceOf');
    expect(issue.culprit).toContain('cart.ts');
    const { body: detail } = await api(`/api/issues/${issue.fingerprint}`);
    expect(detail.latestEvent.stacktrace).toMatch(/at priceOf \(src\/cart\.ts:\d+:\d+\)/);
    expect(detail.latestEvent.stacktrace).toMatch(/at placeOrder \(src\/checkout\.ts:\d+:\d+\)/);

    // The occurrence keeps the symbolicated stack; the span itself is stored as sent (minified).
    const [stored] = await rows<{ stack: string }>(gateway, "SELECT StackTrace AS stack FROM otelhouse_error_events WHERE ServiceName = 'web'");
    expect(stored.stack).toContain('at priceOf (src/cart.ts:');
  });
});
