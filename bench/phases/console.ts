/**
 * The admin console at scale (issue 15, point 6): with 10,000 debug sessions, 1,000 issues and
 * 100,000 records in one session, how long each page takes to show its first screen in Chromium
 * (navigation, the console's script, its paginated API calls and the render), unthrottled, on the
 * embedded ClickHouse. Data is written with INSERT … SELECT FROM numbers() straight into the
 * tables the gateway reads, as if it had been ingested.
 */
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';

import { buildConsole } from '../../scripts/build-ui.ts';
import { launchChromium } from '../../test/support/browser.ts';
import { startGateway } from '../../test/support/gateway.ts';
import { round } from '../lib/load.ts';

export interface ConsoleResult {
  data: { sessions: number; issues: number; errorEvents: number; sessionLogs: number; sessionSpans: number };
  /** First screen of each page, ms: median and slowest of the runs. */
  pages: Record<string, { medianMs: number; maxMs: number; runs: number }>;
  slowestMedianMs: number;
}

const ADMIN = 'bench-console-admin-token-0123456789';
const DB = 'otel';

export async function runConsolePhase(runs = 5): Promise<ConsoleResult> {
  await buildConsole();
  const gateway = await startGateway({ auth: { adminTokens: [{ name: 'bench', token: ADMIN }] }, clickhouse: { database: DB } });
  const browser = await launchChromium();
  try {
    const sql = (query: string) => gateway.client.command({ query });
    const data = { sessions: 10_000, issues: 1_000, errorEvents: 20_000, sessionLogs: 100_000, sessionSpans: 2_000 };
    // 10,000 sessions, one a minute back from now (an hour each): the newest is running, the rest have ended.
    await sql(`INSERT INTO ${DB}.otelhouse_debug_sessions (Id, ServiceName, InstallationId, Level, CaptureLogs, CaptureSpans, CaptureNetwork, CreatedAt, CreatedBy, StartsAt, EndsAt, UpdatedAt, UpdatedBy, Version)
      SELECT concat('ds_bench_', toString(number)), concat('svc-', toString(number % 20)), concat('inst-', toString(number)), 'debug', 1, 1, 1,
        now64(3) - toIntervalMinute(number), 'bench', now64(3) - toIntervalMinute(number), now64(3) - toIntervalMinute(number) + toIntervalHour(1), now64(3) - toIntervalMinute(number), 'bench', 1
      FROM numbers(${data.sessions})`);
    // 100,000 logs of the running session (every level, some events and errors), and 2,000 spans in 200 traces, over its last hour.
    await sql(`INSERT INTO ${DB}.otel_logs (Timestamp, TraceId, SpanId, SeverityText, SeverityNumber, ServiceName, Body, ResourceAttributes, ScopeName, LogAttributes, EventName)
      SELECT now64(9) - toIntervalMillisecond(number * 36), lower(hex(MD5(toString(intDiv(number, 500))))), '', ['DEBUG', 'INFO', 'WARN', 'ERROR'][number % 4 + 1], [5, 9, 13, 17][number % 4 + 1],
        'svc-0', concat('record ', toString(number)), map('service.name', 'svc-0', 'app.installation.id', 'inst-0', 'otelhouse.debug_session.id', 'ds_bench_0'), 'bench',
        map('i', toString(number)), if(number % 50 = 0, 'shop.cart.viewed', '')
      FROM numbers(${data.sessionLogs})`);
    await sql(`INSERT INTO ${DB}.otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, SpanAttributes, Duration, StatusCode)
      SELECT now64(9) - toIntervalMillisecond(intDiv(number, 10) * 18000), lower(hex(MD5(concat('t', toString(intDiv(number, 10)))))), lower(hex(substring(MD5(toString(number)), 1, 8))),
        if(number % 10 = 0, '', lower(hex(substring(MD5(toString(number - number % 10)), 1, 8)))), if(number % 10 = 0, 'checkout', 'GET'), if(number % 10 = 0, 'Internal', 'Client'), 'svc-0',
        map('service.name', 'svc-0', 'app.installation.id', 'inst-0', 'otelhouse.debug_session.id', 'ds_bench_0'), 'bench',
        if(number % 10 = 0, map(), map('http.request.method', 'GET', 'url.full', concat('https://api.example.com/items/', toString(number)), 'http.response.status_code', '200')),
        toUInt64(20000000 + number % 1000 * 1000), 'Unset'
      FROM numbers(${data.sessionSpans})`);
    // 1,000 issues of 20 events each over the last 14 days.
    await sql(`INSERT INTO ${DB}.otelhouse_error_events (Timestamp, EventId, Fingerprint, Source, ServiceName, ServiceVersion, Environment, Platform, ExceptionType, Message, NormalizedMessage, StackTrace, Culprit, Severity, UserId, InstallationId)
      SELECT now64(9) - toIntervalSecond(number * 60), lower(hex(MD5(concat('e', toString(number))))), lower(hex(MD5(concat('fp', toString(number % 1000))))), 'log',
        concat('svc-', toString(number % 20)), concat('1.', toString(number % 5), '.0'), 'production', 'nodejs', concat('Error', toString(number % 1000)), concat('failure ', toString(number % 1000)),
        concat('failure ', toString(number % 1000)), concat('Error: failure\\n    at handler (/srv/app/src/h', toString(number % 1000), '.js:1:1)'), concat('h', toString(number % 1000), '.js in handler'),
        'error', concat('u-', toString(number % 300)), concat('inst-', toString(number % 300))
      FROM numbers(${data.errorEvents})`);

    const context = await browser.newContext();
    await context.addInitScript((token) => sessionStorage.setItem('otelhouse-console-token', token), ADMIN);
    const page = await context.newPage();
    const fingerprint = (await (await fetch(`${gateway.url}/api/issues?limit=1`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as { issues: Array<{ fingerprint: string }> }).issues[0]!.fingerprint;
    const screens: Record<string, { hash: string; ready: (p: Page) => Promise<unknown> }> = {
      sessionList: { hash: '#/sessions', ready: (p) => p.locator('tbody tr').nth(49).waitFor() },
      sessionTimeline: { hash: '#/sessions/ds_bench_0', ready: (p) => p.locator('.timeline li').first().waitFor() },
      sessionLogs: { hash: '#/sessions/ds_bench_0', ready: async (p) => (await p.getByRole('tab', { name: 'Logs' }).click(), p.locator('table.logs tbody tr').nth(99).waitFor()) },
      sessionNetwork: { hash: '#/sessions/ds_bench_0', ready: async (p) => (await p.getByRole('tab', { name: 'Network' }).click(), p.locator('[role=tabpanel] tbody tr').first().waitFor()) },
      sessionTraces: { hash: '#/sessions/ds_bench_0', ready: async (p) => (await p.getByRole('tab', { name: 'Traces' }).click(), p.locator('[role=tabpanel] tbody tr').first().waitFor()) },
      issueList: { hash: '#/issues', ready: (p) => p.locator('tbody tr').nth(49).waitFor() },
      issueDetail: { hash: `#/issues/${fingerprint}`, ready: (p) => p.locator('figure.chart').waitFor() },
      policyList: { hash: '#/policies', ready: (p) => p.getByText('No policies').waitFor() },
    };
    const pages: ConsoleResult['pages'] = {};
    for (const [name, screen] of Object.entries(screens)) {
      const times: number[] = [];
      for (let i = 0; i <= runs; i++) {
        await page.goto('about:blank');
        const t0 = performance.now();
        await page.goto(`${gateway.url}/ui/${screen.hash}`);
        await screen.ready(page);
        // The first run warms the server's and the browser's caches.
        if (i > 0) times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      pages[name] = { medianMs: round(times[Math.floor(times.length / 2)]!, 0), maxMs: round(times.at(-1)!, 0), runs };
    }
    await context.close();
    return { data, pages, slowestMedianMs: Math.max(...Object.values(pages).map((p) => p.medianMs)) };
  } finally {
    await browser.close();
    await gateway.shutdown();
  }
}
