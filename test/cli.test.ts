/**
 * The `otelhouse` CLI (issue 20, points 3–4, first part): the catalog offline (`check` with exit
 * codes, `gen` whose types `tsc` checks an app's emit() calls against, `docs`), and a running
 * gateway's records, debug sessions and issues through its API, with exit codes scripts rely on.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, type Io } from '../src/cli/main.ts';
import { minify, SHOP_SOURCES } from '../src/issues/sourcemaps/testing.ts';
import type { Gateway } from '../src/gateway.ts';
import { startGateway } from './support/gateway.ts';

const CATALOG = 'test/fixtures/catalog/shop.yaml';
const ADMIN = 'cli-admin-token-0001';
const work = mkdtempSync(join(tmpdir(), 'otelhouse-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the CLI in this process, capturing what it writes. */
async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), env };
  const code = await run(args, io);
  return { code, out, err };
}

describe('otelhouse catalog', () => {
  it('check: exit 0 for a valid catalog, 1 with every problem named by file, line and field', async () => {
    expect(await cli(['catalog', 'check', CATALOG])).toMatchObject({ code: 0, out: `${CATALOG}: 2 events, 6 attributes, valid\n` });
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, 'groups:\n  - id: e\n    type: event\n    name: shop.x\n    attributes:\n      - ref: shop.nope\n      - id: shop.n\n        type: float\n');
    const checked = await cli(['catalog', 'check', bad]);
    expect(checked.code).toBe(1);
    expect(checked.err).toContain(`${bad}:8: groups[0].attributes[1].type: `);
    expect(checked.err).toMatch(/1 problem\n$/);
  });

  it('gen: types that tsc checks an app\'s emit() calls against', async () => {
    const types = join(work, 'events.ts');
    expect((await cli(['catalog', 'gen', CATALOG, '--out', types])).code).toBe(0);
    const app = (call: string) => {
      const file = join(work, `app-${Math.random().toString(36).slice(2)}.ts`);
      writeFileSync(file, `import { EVENTS, typedEvents } from './events.ts';\nconst sent: unknown[] = [];\nconst { emit } = typedEvents({ event: (name, attributes) => sent.push([name, attributes]) });\n${call}\nexport { sent, EVENTS };\n`);
      const program = ts.createProgram([file], { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, allowImportingTsExtensions: true, skipLibCheck: true });
      return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    };
    expect(app("emit(EVENTS.SHOP_CART_CHECKOUT, { 'shop.cart.id': 'c-1', 'shop.cart.total': 59.9, 'shop.payment.method': 'card' });")).toEqual([]);
    expect(app("emit('shop.search', { 'shop.search.query_length': 4 });")).toEqual([]);
    expect(app("emit('shop.cart.checkout', { 'shop.cart.total': 59.9 });").join()).toMatch(/Property '"shop\.cart\.id"' is missing/);
    expect(app("emit('shop.cart.checkout', { 'shop.cart.id': 'c', 'shop.cart.total': 1, 'shop.payment.method': 'cash' });").join()).toMatch(/Type '"cash"' is not assignable to type '"card" \| "paypal"/);
    expect(app("emit('shop.cart.chekout', { });").join()).toMatch(/"shop\.cart\.chekout"' is not assignable/);
    expect(app("emit('shop.search', { 'shop.search.query_length': 'long' });").join()).toMatch(/'string' is not assignable to type 'number'/);
  });

  it('docs: a Markdown reference of every event with its attributes', async () => {
    const { code, out } = await cli(['catalog', 'docs', CATALOG]);
    expect(code).toBe(0);
    expect(out).toContain('## `shop.cart.checkout`\n\nThe customer checks out a cart.\n\nSampling: always kept.');
    expect(out).toContain('| `shop.payment.method` | enum: `card`, `paypal` | recommended |  | How the customer pays. |  |');
    expect(out).toContain('| `shop.customer.email` | `string` | opt in | hash |');
    expect(out).toContain('## `shop.search`\n\nA product search.\n\nSampling: 10 %.');
  });

  it('takes its files from the gateway config when none are named, and says so when there are none', async () => {
    let out = '';
    const code = await run(['catalog', 'check'], { out: (t) => void (out += t), err: () => {}, env: {}, configuredCatalog: () => [CATALOG] });
    expect([code, out]).toEqual([0, `${CATALOG}: 2 events, 6 attributes, valid\n`]);
    expect(await cli(['catalog', 'check'])).toMatchObject({ code: 2, err: expect.stringContaining('no catalog files') });
  });
});

describe('otelhouse against a running gateway', () => {
  let gateway: Gateway;
  let env: Record<string, string>;
  const send = (body: unknown) => fetch(`${gateway.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const logs = (records: Array<{ body: string; severity?: number; attributes?: Record<string, string> }>) => {
    const now = BigInt(Date.now()) * 1_000_000n;
    return { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cli-shop' } }] }, scopeLogs: [{ logRecords: records.map((r, i) => ({
      timeUnixNano: String(now + BigInt(i)), severityNumber: r.severity ?? 9, body: { stringValue: r.body },
      attributes: Object.entries(r.attributes ?? {}).map(([key, v]) => ({ key, value: { stringValue: v } })),
    })) }] }] };
  };

  beforeAll(async () => {
    gateway = await startGateway({ auth: { adminTokens: [ADMIN] } });
    env = { OTELHOUSE_URL: gateway.url, OTELHOUSE_TOKEN: ADMIN };
    expect((await send(logs([{ body: 'first line' }, { body: 'second line' }, { body: 'payment failed for order 7', severity: 17, attributes: { 'exception.type': 'PaymentError', 'exception.message': 'payment failed for order 7' } }]))).status).toBe(200);
    await gateway.flush();
  });
  afterAll(() => gateway?.shutdown());

  it('dump: recent records as JSON lines or a table', async () => {
    const jsonl = await cli(['dump', '--since', '10m', '--service', 'cli-shop'], env);
    expect(jsonl.code).toBe(0);
    const bodies = jsonl.out.trim().split('\n').map((l) => (JSON.parse(l) as { body: string }).body);
    expect(bodies.sort()).toEqual(['first line', 'payment failed for order 7', 'second line']);
    const table = await cli(['dump', '--since', '10m', '--service', 'cli-shop', '--format', 'table'], env);
    expect(table.out.trim().split('\n')).toHaveLength(3);
    expect(table.out).toMatch(/cli-shop {2}second line/);
    expect((await cli(['dump', '--since', 'yesterday'], env)).code).toBe(2);
  });

  it('dump --signal traces: recent traces as JSON lines or a table', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const traceId = 'c11'.padEnd(32, '7');
    const spans = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cli-shop' } }] }, scopeSpans: [{ spans: [{
      traceId, spanId: 'c11'.padEnd(16, '7'), name: 'GET /cart', kind: 2, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 12_000_000n),
    }] }] }] };
    expect((await fetch(`${gateway.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spans) })).status).toBe(200);
    await gateway.flush();
    const jsonl = await cli(['dump', '--signal', 'traces', '--since', '10m', '--service', 'cli-shop'], env);
    expect(jsonl.code).toBe(0);
    expect(jsonl.out.trim().split('\n').map((l) => (JSON.parse(l) as { traceID: string; rootTraceName: string })).map((t) => [t.traceID, t.rootTraceName])).toEqual([[traceId, 'GET /cart']]);
    const table = await cli(['dump', '--signal', 'traces', '--since', '10m', '--service', 'cli-shop', '--format', 'table'], env);
    expect(table.out).toBe(`${new Date(Number(now / 1_000_000n)).toISOString()}  cli-shop  GET /cart  12 ms  ${traceId}\n`);
  });

  it('sessions: create, list, extend and cancel', async () => {
    const created = await cli(['sessions', 'create', '--installation', 'inst-cli', '--minutes', '30', '--reason', 'ticket 12'], env);
    expect(created.code).toBe(0);
    const id = created.out.split(' ')[0]!;
    expect(created.out).toContain('active  {"app.installation.id":"inst-cli"}  debug');
    expect((await cli(['sessions', 'list'], env)).out).toContain(id);
    expect((await cli(['sessions', 'extend', id, '--minutes', '10'], env)).code).toBe(0);
    expect((await cli(['sessions', 'cancel', id], env)).out).toContain(`${id}  cancelled`);
    expect((await cli(['sessions', 'create'], env)).code).toBe(2);
  });

  it('issues: list, show and resolve', async () => {
    let listed = '';
    for (let i = 0; i < 100 && !listed.includes('PaymentError'); i++) {
      listed = (await cli(['issues', 'list', '--service', 'cli-shop'], env)).out;
      if (!listed.includes('PaymentError')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(listed).toMatch(/^[0-9a-f]{32} {2}new/);
    const fingerprint = listed.slice(0, 32);
    expect(JSON.parse((await cli(['issues', 'show', fingerprint], env)).out).issue.fingerprint).toBe(fingerprint);
    expect(await cli(['issues', 'resolve', fingerprint, '--in-version', '1.2.3'], env)).toMatchObject({ code: 0, out: `${fingerprint}  resolved\n` });
    expect(await cli(['issues', 'resolve', fingerprint, '--in-version', '1.2.3'], env)).toMatchObject({ code: 1, err: expect.stringContaining('409') });
  });

  it('tail: prints the records stored while it runs', async () => {
    const tailing = cli(['tail', '--service', 'cli-shop', '--interval', '200ms', '--for', '3s'], env);
    const filtered = cli(['tail', '--installation', 'inst-7', '--level', 'warn', '--interval', '200ms', '--for', '3s', '--format', 'jsonl'], env);
    await new Promise((r) => setTimeout(r, 600));
    expect((await send(logs([
      { body: 'while tailing' },
      { body: 'warned on inst-7', severity: 13, attributes: { 'app.installation.id': 'inst-7' } },
      { body: 'info on inst-7', attributes: { 'app.installation.id': 'inst-7' } },
      { body: 'warned elsewhere', severity: 13, attributes: { 'app.installation.id': 'inst-8' } },
    ]))).status).toBe(200);
    const { code, out } = await tailing;
    expect(code).toBe(0);
    expect(out).toContain('while tailing');
    const only = await filtered;
    expect(only.out.trim().split('\n').map((l) => (JSON.parse(l) as { body: string }).body)).toEqual(['warned on inst-7']);
  });

  it('sourcemaps upload: finds a build\'s maps as sentry-cli does and uploads each under the URL frames name, with progress', async () => {
    const build = join(work, 'build');
    const bundle = await minify(SHOP_SOURCES, 'src/checkout.ts');
    mkdirSync(join(build, 'static', 'js'), { recursive: true });
    // A script naming its map, one with an inline map, one with a .map beside it and no comment, one without any.
    writeFileSync(join(build, 'static', 'js', 'app.min.js'), `${bundle.code}\n//# sourceMappingURL=app.min.js.map\n`);
    writeFileSync(join(build, 'static', 'js', 'app.min.js.map'), bundle.map);
    writeFileSync(join(build, 'inline.js'), `${bundle.code}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(bundle.map).toString('base64')}\n`);
    writeFileSync(join(build, 'beside.js'), bundle.code);
    writeFileSync(join(build, 'beside.js.map'), bundle.map);
    writeFileSync(join(build, 'plain.js'), 'console.log(1)\n');
    const up = await cli(['sourcemaps', 'upload', build, '--release', '2.0.0'], env);
    expect(up.code).toBe(0);
    expect(up.out).toBe('3 of 3 source maps uploaded for release 2.0.0\n');
    expect(up.err.trim().split('\n')).toEqual([
      '[########----------------] 1/3 ~/beside.js',
      '[################--------] 2/3 ~/inline.js',
      '[########################] 3/3 ~/static/js/app.min.js',
    ]);
    const listed = (await (await fetch(`${gateway.url}/api/releases/2.0.0/sourcemaps`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { sourceMaps: Array<{ fileUrl: string }> };
    expect(listed.sourceMaps.map((m) => m.fileUrl).sort()).toEqual(['~/beside.js', '~/inline.js', '~/static/js/app.min.js']);
    expect(await cli(['sourcemaps', 'upload', join(work, 'nothing-here'), '--release', '1'], env)).toMatchObject({ code: 2 });
    expect((await cli(['sourcemaps', 'upload', build], env)).code).toBe(2);
  });

  it('exits 1 when the gateway refuses, 3 when it cannot be reached, 2 on a wrong command line, 0 for help', async () => {
    expect(await cli(['sessions', 'list'], { ...env, OTELHOUSE_TOKEN: 'wrong-token-0001' })).toMatchObject({ code: 1, err: expect.stringContaining('401') });
    expect((await cli(['sessions', 'list'], { OTELHOUSE_URL: 'http://127.0.0.1:9', OTELHOUSE_TOKEN: ADMIN })).code).toBe(3);
    expect((await cli(['nonsense'])).code).toBe(2);
    expect((await cli(['dump', '--bogus'], env)).code).toBe(2);
    for (const command of ['catalog', 'dump', 'tail', 'sessions', 'issues', 'sourcemaps']) expect((await cli([command, '--help'])).code).toBe(0);
  });

  it('runs as the package\'s bin, with its exit codes', async () => {
    const bin = resolve('bin/otelhouse.mjs');
    const ok = await promisify(execFile)(process.execPath, [bin, 'sessions', 'list'], { env: { ...process.env, ...env } });
    expect(ok.stdout).toMatch(/cancelled|no debug sessions/);
    const refused = await promisify(execFile)(process.execPath, [bin, 'catalog', 'check', join(work, 'bad.yaml')]).then(() => 0, (err: { code: number }) => err.code);
    expect(refused).toBe(1);
  });
});
