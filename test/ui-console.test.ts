/**
 * The admin console (issue 15), in real Chromium against a real gateway and embedded ClickHouse:
 * sign-in with an admin token, the debug-session list (filters, refreshed without a reload), the
 * "new session" form (keyboard only, local and API validation errors on their fields), a session's
 * page and its actions, each audited under the token's name; axe-core finds no serious or critical
 * violation on any page.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import { context as otelContext, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Gateway } from '../src/gateway.ts';
import { buildConsole } from '../scripts/build-ui.ts';
import { launchChromium } from './support/browser.ts';
import { startGateway } from './support/gateway.ts';
import { exportWith, recordLogs, recordSpans } from './support/otel.ts';

const ADMIN = `admin-${randomUUID()}`;
const INGEST = `ingest-${randomUUID()}`;
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let gateway: Gateway;
let browser: Browser;

beforeAll(async () => {
  // The console as the sources say now (npm install and npm start build it too).
  await buildConsole();
  gateway = await startGateway({ auth: { ingestTokens: [INGEST], adminTokens: [{ name: 'alice', token: ADMIN }] } });
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await gateway?.shutdown();
});

async function adminApi<T = any>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${gateway.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
  return (await res.json()) as T;
}

/** axe-core's serious and critical violations on the page as it is now (rule id and the elements' selectors). */
async function accessibility(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => (await (window as any).axe.run(document)).violations as Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * The controls of `form` in the order Tab reaches them, from its first control: every control must
 * be reached, in document order, with none skipped and no trap (keyboard-only use).
 */
async function tabOrder(page: Page, form: string): Promise<{ reached: string[]; controls: string[] }> {
  // Each control numbered, so two alike (checkboxes) are told apart.
  const controls = await page.locator(`${form} :is(input, select, textarea, button, a[href]):not([disabled]):not([tabindex="-1"])`).evaluateAll((els) =>
    els.map((e, i) => {
      e.setAttribute('data-tab-check', String(i));
      return `${i}:${e.id || e.textContent?.trim() || e.tagName}`;
    }),
  );
  await page.locator(`${form} [data-tab-check="0"]`).focus();
  const reached: string[] = [];
  // A date-time input takes one Tab per part (day, month, year, hours, minutes): counted once.
  for (let i = 0; i < controls.length * 6 && reached.length < controls.length; i++) {
    const at = await page.evaluate(() => {
      const e = document.activeElement as HTMLElement;
      return `${e.getAttribute('data-tab-check') ?? '-'}:${e.id || e.textContent?.trim() || e.tagName}`;
    });
    if (reached.at(-1) !== at) reached.push(at);
    await page.keyboard.press('Tab');
  }
  return { reached, controls };
}

/** A console page in a fresh context (axe is injected, so the console's CSP is bypassed for it only). */
async function consolePage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(`${gateway.url}/ui/`);
  return { context, page };
}

async function signIn(page: Page): Promise<void> {
  await page.getByLabel('Admin token').fill(ADMIN);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Debug sessions' }).waitFor();
}

describe('the admin console', () => {
  it('is served at /ui/ with a strict content security policy, and /ui redirects there', async () => {
    const page = await fetch(`${gateway.url}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await page.text();
    const script = /src="(app\.js\?v=[0-9a-f]{12})"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${gateway.url}/ui/${script}`);
    expect([js.status, js.headers.get('content-type')]).toEqual([200, expect.stringContaining('javascript')]);
    const redirect = await fetch(`${gateway.url}/ui`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([308, '/ui/']);
    // The console is not part of the API's documentation.
    const doc = (await (await fetch(`${gateway.url}/api/openapi.json`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toContain('/api/debug-sessions');
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/ui'))).toEqual([]);
  });

  it('signs in with an admin token only, kept for the browser session', async () => {
    const { context, page } = await consolePage();
    expect(await accessibility(page)).toEqual([]);
    await page.getByLabel('Admin token').fill('x');
    const signInOrder = await tabOrder(page, 'form');
    expect(signInOrder.reached).toEqual(signInOrder.controls);
    await page.getByLabel('Admin token').fill('not-a-token');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not an admin token');
    await signIn(page);
    // A reload keeps the session's sign-in; a new tab of another browser session does not have it.
    await page.reload();
    await page.getByRole('heading', { name: 'Debug sessions' }).waitFor();
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual(['otelhouse-console-token']);
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
    await context.close();
  });

  it('creates a debug session from the form using the keyboard only, with errors shown on their fields, audited under the token’s name', async () => {
    const { context, page } = await consolePage();
    await signIn(page);
    expect(await accessibility(page)).toEqual([]);
    await page.getByRole('link', { name: 'New session' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'New debug session' }).waitFor();
    const formOrder = await tabOrder(page, 'form.form');
    expect(formOrder.reached).toEqual(formOrder.controls);

    // Submitted empty: the id field is marked, described by its error, and focused.
    await page.getByRole('button', { name: 'Start session' }).focus();
    await page.keyboard.press('Enter');
    const id = page.getByLabel('Id', { exact: true });
    await expect.poll(() => id.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('target-value');
    expect(await page.locator('#target-error').textContent()).toContain('Enter the id');
    expect(await accessibility(page)).toEqual([]);

    // An id the API refuses (over 256 characters): the API's own message, on the same field.
    await page.keyboard.type('x'.repeat(300));
    await page.getByRole('button', { name: 'Start session' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#target-error').textContent()).toMatch(/256/);

    // A valid session: the installation, a service, 30 minutes, network capture on, typed and toggled by keyboard.
    const installation = `inst-ui-${randomUUID()}`;
    await id.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(installation);
    await page.keyboard.press('Tab');
    await page.keyboard.type('shop-web');
    await page.getByLabel('Duration, minutes').focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('30');
    await page.getByLabel(/network/).focus();
    await page.keyboard.press('Space');
    await page.getByLabel('Reason (optional)').focus();
    await page.keyboard.type('checkout fails for this customer');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Debug session/ }).waitFor();
    await expect.poll(() => page.locator('dl.facts').textContent()).toContain(installation);
    const sessionId = decodeURIComponent(new URL(page.url()).hash.split('/').pop()!);

    const created = await adminApi(`/api/debug-sessions/${sessionId}`);
    expect(created).toMatchObject({ status: 'active', target: { 'app.installation.id': installation, 'service.name': 'shop-web' }, durationMinutes: 30, capture: { logs: true, spans: true, network: true }, reason: 'checkout fails for this customer', createdBy: 'alice' });
    const audit = await adminApi<{ entries: Array<{ action: string; actor: string }> }>(`/api/audit?entityType=debug_session&entityId=${sessionId}`);
    expect(audit.entries.map((e) => [e.action, e.actor])).toEqual([['debug_session.create', 'alice']]);
    await context.close();
  });

  it('lists sessions with filters and shows new ones without a reload; a session’s page extends, pauses, resumes and stops it', async () => {
    const { context, page } = await consolePage();
    await signIn(page);
    const service = `svc-${randomUUID().slice(0, 8)}`;
    const filterOrder = await tabOrder(page, 'form.filters');
    expect(filterOrder.reached).toEqual(filterOrder.controls);
    const first = await adminApi<{ id: string }>('/api/debug-sessions', { target: { 'user.id': 'u-1', 'service.name': service }, durationMinutes: 60 });
    await page.getByLabel('Service').fill(service);
    await page.locator(`tr[data-session="${first.id}"]`).waitFor();
    // Another operator opens a session: it shows within one refresh (5 s), with no reload.
    const second = await adminApi<{ id: string }>('/api/debug-sessions', { target: { 'device.id': 'd-2', 'service.name': service } });
    await page.locator(`tr[data-session="${second.id}"]`).waitFor({ timeout: 8000 });
    expect(await page.locator('tbody tr').count()).toBe(2);
    expect(await page.locator(`tr[data-session="${first.id}"]`).textContent()).toContain('user.id = u-1');

    // A day with no session of this service, then today.
    await page.getByLabel('Running on').fill('2020-01-01');
    await page.getByText('No debug sessions match.').waitFor();
    const today = await page.evaluate(() => new Date(Date.now() - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 10));
    await page.getByLabel('Running on').fill(today);
    await page.locator(`tr[data-session="${first.id}"]`).waitFor();

    // The first session's page and its actions.
    await page.locator(`tr[data-session="${first.id}"] a`).click();
    await page.getByRole('button', { name: 'Extend +30 min' }).click();
    await expect.poll(() => page.getByRole('status').last().textContent()).toContain('Extended');
    expect((await adminApi(`/api/debug-sessions/${first.id}`)).durationMinutes).toBe(90);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    expect(await accessibility(page)).toEqual([]);
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.locator('h1 .badge').textContent()).toBe('cancelled');
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
    const audit = await adminApi<{ entries: Array<{ action: string; actor: string }> }>(`/api/audit?entityType=debug_session&entityId=${first.id}`);
    expect(audit.entries.map((e) => e.actor)).toEqual(Array(audit.entries.length).fill('alice'));
    expect(audit.entries.map((e) => e.action).sort()).toEqual(['debug_session.cancel', 'debug_session.create', 'debug_session.extend', 'debug_session.pause', 'debug_session.resume'].sort());

    // Back to the list, filtered by status.
    await page.getByRole('link', { name: '← Debug sessions' }).click();
    await page.getByLabel('Status').selectOption('cancelled');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    expect(await page.locator('tbody tr').getAttribute('data-session')).toBe(first.id);
    await context.close();
  });

  it('shows what a client sends during a session it opened, in the Logs, Network, Timeline and Traces tabs, without a reload; extends, stops and downloads it', async () => {
    const { context, page } = await consolePage();
    await signIn(page);
    const installation = `inst-${randomUUID()}`;
    await page.getByRole('link', { name: 'New session' }).click();
    await page.getByLabel('Id', { exact: true }).fill(installation);
    await page.getByLabel(/network/).check();
    await page.getByRole('button', { name: 'Start session' }).click();
    await page.getByRole('tab', { name: 'Timeline' }).waitFor();
    const sessionId = decodeURIComponent(new URL(page.url()).hash.split('/').pop()!);
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.getByText('No logs yet.').waitFor();

    // The client, through the official OTel exporters, with that installation's resource.
    const resource = { 'service.name': 'shop-web', 'app.installation.id': installation };
    const t0 = Date.now();
    const crumbs = [
      { t: t0 - 2000, category: 'click', message: 'button.checkout' },
      { t: t0 - 1500, category: 'http', data: { method: 'GET', url: 'https://api.example.com/cart', status_code: 503 } },
    ];
    const logs = recordLogs(resource, (logger) => {
      logger.emit({ severityNumber: SeverityNumber.DEBUG, severityText: 'DEBUG', body: 'loading cart', timestamp: t0 - 1800 });
      logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', eventName: 'shop.cart.viewed', body: 'cart viewed', timestamp: t0 - 1700 });
      logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'checkout failed', timestamp: t0 - 1000, attributes: { 'exception.type': 'TypeError', 'exception.message': 'cart is undefined', 'otelhouse.breadcrumbs': JSON.stringify(crumbs) } });
    });
    const spans = recordSpans(resource, (tracer) => {
      tracer.startActiveSpan('checkout', (root) => {
        // The parent given explicitly: these test providers run without a context manager.
        const call = tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'GET', 'url.full': 'https://api.example.com/cart?id=7', 'http.response.status_code': 503 } }, trace.setSpan(otelContext.active(), root));
        call.setStatus({ code: SpanStatusCode.ERROR });
        call.end();
        root.end();
      });
    });
    expect((await exportWith(new OTLPLogExporter({ url: `${gateway.url}/v1/logs`, headers: { authorization: `Bearer ${INGEST}` } }), logs)).code).toBe(0);
    expect((await exportWith(new OTLPTraceExporter({ url: `${gateway.url}/v1/traces`, headers: { authorization: `Bearer ${INGEST}` } }), spans)).code).toBe(0);
    await gateway.flush();

    // Logs: within one refresh, coloured by level; then filtered by level and by text.
    const logRows = page.locator('table.logs tbody tr');
    await expect.poll(() => logRows.count(), { timeout: 8000 }).toBe(3);
    expect(await logRows.evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-level'), r.className]))).toEqual([
      ['ERROR', 'lvl-error'],
      ['INFO', 'lvl-info'],
      ['DEBUG', 'lvl-debug'],
    ]);
    await page.getByLabel('Lowest level').selectOption('error');
    await expect.poll(() => logRows.count()).toBe(1);
    await page.getByLabel('Lowest level').selectOption('trace');
    const logFilters = await tabOrder(page, '[role=tabpanel] .filters');
    expect(logFilters.reached).toEqual(logFilters.controls);
    await page.getByLabel('Search').fill('LOADING');
    await expect.poll(() => logRows.allTextContents()).toEqual([expect.stringContaining('loading cart')]);
    expect(await accessibility(page)).toEqual([]);

    // Network, by keyboard from the focused tab: the client span's method, URL, status and duration.
    await page.getByRole('tab', { name: 'Logs' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Network' }).getAttribute('aria-selected')).toBe('true');
    const call = page.locator('[role=tabpanel] tbody tr');
    await expect.poll(() => call.count(), { timeout: 8000 }).toBe(1);
    expect((await call.locator('td').allTextContents()).slice(1, 4)).toEqual(['GET', 'https://api.example.com/cart?id=7', '503']);

    // Timeline: the breadcrumbs, the event and the error, oldest first.
    await page.getByRole('tab', { name: 'Timeline' }).click();
    const items = page.locator('.timeline li');
    await expect.poll(() => items.count(), { timeout: 8000 }).toBe(4);
    expect(await items.evaluateAll((li) => li.map((l) => l.getAttribute('data-kind')))).toEqual(['crumb', 'event', 'crumb', 'error']);
    expect(await items.last().textContent()).toContain('cart is undefined');

    // Traces: the list, then the waterfall of the trace, child under its parent.
    await page.getByRole('tab', { name: 'Traces' }).click();
    await page.getByRole('button', { name: 'checkout' }).click();
    const spanRows = page.locator('table.waterfall tbody tr');
    await expect.poll(() => spanRows.count(), { timeout: 8000 }).toBe(2);
    expect((await spanRows.locator('td:first-child').allTextContents())).toEqual(['checkout', 'GET']);
    const indents = await spanRows.locator('td:first-child').evaluateAll((tds) => tds.map((td) => parseFloat(getComputedStyle(td).paddingLeft)));
    expect(indents[1]).toBeGreaterThan(indents[0]!);
    expect(await accessibility(page)).toEqual([]);

    // Extend, download, stop.
    await page.getByRole('button', { name: 'Extend +30 min' }).click();
    await expect.poll(async () => (await adminApi(`/api/debug-sessions/${sessionId}`)).durationMinutes).toBe(90);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download records (JSON lines)' }).click()]);
    expect(download.suggestedFilename()).toBe(`debug-session-${sessionId}.jsonl`);
    const lines = readFileSync((await download.path())!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { signal: string; body?: string; name?: string });
    expect(lines.filter((l) => l.signal === 'log').map((l) => l.body).sort()).toEqual(['cart viewed', 'checkout failed', 'loading cart']);
    expect(lines.filter((l) => l.signal === 'span').map((l) => l.name).sort()).toEqual(['GET', 'checkout']);
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.locator('h1 .badge').textContent()).toBe('cancelled');
    await context.close();
  });

  it('triages an issue: the app\'s frames first, resolved in a version, then shown regressed when it comes back in a later one; a refused change is a message', async () => {
    const service = `shop-api-${randomUUID().slice(0, 8)}`;
    const stack = [
      'TypeError: cart is undefined',
      '    at checkout (/srv/app/src/cart.js:10:5)',
      '    at Layer.handle (/srv/app/node_modules/express/lib/router/layer.js:95:5)',
      '    at main (/srv/app/src/main.js:3:1)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    ].join('\n');
    const crash = async (version: string, n: number) => {
      const logs = recordLogs({ 'service.name': service, 'service.version': version }, (logger) => {
        for (let i = 0; i < n; i++) {
          logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'checkout failed', attributes: { 'exception.type': 'TypeError', 'exception.message': 'cart is undefined', 'exception.stacktrace': stack, 'user.id': `u-${i}` } });
        }
      });
      expect((await exportWith(new OTLPLogExporter({ url: `${gateway.url}/v1/logs`, headers: { authorization: `Bearer ${INGEST}` } }), logs)).code).toBe(0);
      await gateway.flush();
    };
    await crash('1.0.0', 3);

    const { context, page } = await consolePage();
    await signIn(page);
    await page.getByRole('link', { name: 'Issues' }).click();
    // The sessions list shown at sign-in has rows and a Service filter of its own: wait for the
    // issues list to replace it, and read rows of the issues list only.
    await page.getByRole('heading', { name: 'Issues', level: 1 }).waitFor();
    const row = page.getByRole('region', { name: 'Issues' }).locator('tbody tr');
    // Every unresolved issue first; the service's list, held back 3 s (room for a loaded machine to
    // look), is loading meanwhile: none of the rows read under the earlier filter stays on screen.
    await expect.poll(() => row.count()).toBeGreaterThan(0);
    await page.route(/\/api\/issues\?.*service=/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await route.continue();
    }, { times: 1 });
    await page.getByLabel('Service').fill(service);
    await page.getByRole('status').filter({ hasText: 'Loading' }).waitFor();
    expect(await row.count()).toBe(0);
    // What the list shows for the service: its one issue, and no error (a failure names both).
    const shown = async () => ({ rows: await row.allTextContents(), errors: await page.locator('p.error').allTextContents() });
    await expect.poll(shown, { timeout: 10_000 }).toMatchObject({ rows: [expect.stringContaining('TypeError')], errors: [] });
    expect(await accessibility(page)).toEqual([]);
    const issueFilters = await tabOrder(page, 'form.filters');
    expect(issueFilters.reached).toEqual(issueFilters.controls);
    // The API's other filters narrow the list: a version the issue has, one it has not; oldest first.
    await page.getByLabel('Version').fill('2.0.0');
    await page.getByLabel('Version').press('Enter');
    await page.getByText('No issues match.').waitFor();
    await page.getByLabel('Version').fill('1.0.0');
    await page.getByLabel('Version').press('Enter');
    await expect.poll(() => row.count()).toBe(1);
    await page.getByLabel('Order').selectOption('asc');
    await expect.poll(() => row.count()).toBe(1);
    await row.getByRole('link').click();
    await page.getByRole('heading', { name: /TypeError/ }).waitFor();
    const fingerprint = decodeURIComponent(new URL(page.url()).hash.split('/').pop()!);

    // The app's own frames first; the dependency's and the runtime's folded away.
    expect(await page.locator('ol[aria-label="The app\'s frames"] li').allTextContents()).toEqual(['at checkout (/srv/app/src/cart.js:10:5)', 'at main (/srv/app/src/main.js:3:1)']);
    expect(await page.locator('.stack details summary').textContent()).toContain('2 other frames');
    expect(await page.locator('figure.chart table td').last().textContent()).toBe('3');
    expect(await page.locator('dl.facts').textContent()).toContain('1.0.0');
    expect(await accessibility(page)).toEqual([]);

    const actionsOrder = await tabOrder(page, '.issue-actions');
    expect(actionsOrder.reached).toEqual(actionsOrder.controls);
    // Resolved in 1.1.0 from the form, by keyboard; audited under the token's name.
    await page.getByLabel('Resolve in version').focus();
    await page.keyboard.type('1.1.0');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('h1 + p .badge').textContent()).toBe('resolved');
    expect(await page.locator('h1 + p').textContent()).toContain('resolved in 1.1.0');
    // The same error from a later version (1.2.0): regressed, on the page, without a reload.
    await crash('1.2.0', 1);
    await expect.poll(() => page.locator('h1 + p .badge').textContent(), { timeout: 10_000 }).toBe('regressed');
    await expect.poll(() => page.locator('ol.history').textContent()).toMatch(/issue\.resolve by alice/);

    // Assign, then a change another operator made first: the page still offers it, the API refuses it (409).
    await page.getByLabel('Assignee').fill('bob');
    await page.getByRole('button', { name: 'Assign' }).click();
    await expect.poll(async () => (await adminApi(`/api/issues/${fingerprint}`)).state.assignee).toBe('bob');
    await context.close();

    const second = await browser.newContext();
    const stale = await second.newPage();
    await stale.clock.install();
    await stale.goto(`${gateway.url}/ui/`);
    await stale.getByLabel('Admin token').fill(ADMIN);
    await stale.keyboard.press('Enter');
    await stale.getByRole('heading', { name: 'Debug sessions' }).waitFor();
    await stale.goto(`${gateway.url}/ui/#/issues/${encodeURIComponent(fingerprint)}`);
    await stale.getByRole('button', { name: 'Resolve', exact: true }).waitFor();
    const res = await fetch(`${gateway.url}/api/issues/${fingerprint}`, { method: 'PATCH', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ status: 'resolved' }) });
    expect(res.status).toBe(200);
    await stale.getByRole('button', { name: 'Resolve', exact: true }).click();
    await expect.poll(() => stale.getByRole('alert').textContent()).toMatch(/^Not changed: .*already resolved/);
    await second.close();
  });

  it('creates and edits a collection policy with the clients it would match previewed before saving, served by /v1/config, with its audit trail', async () => {
    const service = `checkout-${randomUUID().slice(0, 8)}`;
    // Clients seen: three installations of the service, one of another.
    for (const [svc, installation] of [[service, 'p-1'], [service, 'p-2'], [service, 'p-3'], [`other-${service}`, 'p-4']] as const) {
      const logs = recordLogs({ 'service.name': svc, 'app.installation.id': `${installation}-${service}` }, (logger) => logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'hello' }));
      expect((await exportWith(new OTLPLogExporter({ url: `${gateway.url}/v1/logs`, headers: { authorization: `Bearer ${INGEST}` } }), logs)).code).toBe(0);
    }
    await gateway.flush();
    const everyone = await (await fetch(`${gateway.url}/api/policies/preview`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ targeting: {} }) })).json() as { seen: number };
    const config = async (installation: string) =>
      (await (await fetch(`${gateway.url}/v1/config?service.name=${service}&app.installation.id=${installation}-${service}`, { headers: { authorization: `Bearer ${INGEST}` } })).json()) as { minLogLevel: string; sampling: { logsPercentage: number } };

    const { context, page } = await consolePage();
    await signIn(page);
    await page.getByRole('link', { name: 'Policies' }).click();
    await page.getByRole('link', { name: 'New policy' }).click();
    const policyOrder = await tabOrder(page, 'form.form');
    expect(policyOrder.reached).toEqual(policyOrder.controls);
    await page.getByLabel('Name', { exact: true }).fill('quiet checkout');
    await page.getByLabel('Services (service.name)').fill(service);
    // A country code the API refuses: its message on that field.
    await page.getByLabel('Countries (ISO codes)').fill('XYZ');
    await page.getByRole('button', { name: 'Preview matching clients' }).click();
    await expect.poll(() => page.locator('#p-countries-error').textContent()).toContain('ISO 3166-1');
    // Preact runs effects after the frame is painted: the focus follows the error shortly.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('p-countries');
    await page.getByLabel('Countries (ISO codes)').fill('');
    await page.getByRole('button', { name: 'Preview matching clients' }).click();
    await expect.poll(() => page.locator('.preview').textContent()).toBe(`3 of ${everyone.seen} clients seen in the last 24 h would match.`);
    await page.getByLabel('Lowest log level').selectOption('warn');
    await page.getByLabel('Logs kept, %').fill('50');
    expect(await accessibility(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create policy' }).click();
    await page.getByRole('heading', { name: 'Policy: quiet checkout' }).waitFor();
    const policyId = decodeURIComponent(new URL(page.url()).hash.split('/').pop()!);
    await expect.poll(async () => (await config('p-1')).minLogLevel, { timeout: 5000 }).toBe('warn');
    expect((await config('p-1')).sampling.logsPercentage).toBe(50);

    // Edited: the level raised to error, served next.
    await page.getByLabel('Lowest log level').selectOption('error');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(async () => (await config('p-2')).minLogLevel, { timeout: 5000 }).toBe('error');
    await expect.poll(() => page.locator('ol.history li').allTextContents()).toEqual([expect.stringMatching(/policy\.update by alice/), expect.stringMatching(/policy\.create by alice/)]);
    await page.getByRole('link', { name: '← Collection policies' }).click();
    expect(await page.locator(`tr[data-policy="${policyId}"]`).textContent()).toContain('level ≥ error');
    expect(await accessibility(page)).toEqual([]);
    await context.close();
  });
});
