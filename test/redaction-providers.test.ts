/**
 * Issue 18 end to end: the provider corpus (credentials in ~50 provider formats, keyed secrets in
 * URLs, connection strings, logs, JSON and YAML, and the look-alikes that must survive) sent through
 * a gateway started with the defaults, as log bodies, log attributes and span attributes: what
 * ClickHouse holds is the corpus's expected output, none of the credentials, and every look-alike
 * as it was; each redacted record's summary names the rules that fired.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { providerCases } from '../src/processors/redaction/fixtures/providers.ts';
import { rows, startGateway } from './support/gateway.ts';
import { logsRequest, post, traceRequest } from './support/payloads.ts';

const json = { 'content-type': 'application/json' };
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway();
  const t0 = BigInt(Date.now()) * 1_000_000n;
  const logs = logsRequest('providers', providerCases.map((c, i) => ({
    time: String(t0 + BigInt(i)), severityNumber: 9, severityText: 'INFO', body: c.text, attributes: { 'case.index': i, detail: c.text },
  })));
  const spans = traceRequest('providers', providerCases.map((c, i) => ({
    traceId: (i + 1).toString(16).padStart(32, '0'), spanId: (i + 1).toString(16).padStart(16, '0'), name: `case ${i}`,
    start: String(t0), end: String(t0 + 1000n), attributes: { 'case.index': String(i), 'error.message': c.text },
  })));
  expect((await post(gateway.url, '/v1/logs', logs, json)).status).toBe(200);
  expect((await post(gateway.url, '/v1/traces', spans, json)).status).toBe(200);
}, 60_000);

afterAll(() => gateway?.shutdown());

describe('the provider corpus through the gateway with default settings', () => {
  it('stores every credential redacted, every look-alike as sent, in log bodies and attributes', async () => {
    const stored = await rows<{ i: string; body: string; detail: string; rules: string }>(gateway,
      "SELECT LogAttributes['case.index'] AS i, Body AS body, LogAttributes['detail'] AS detail, LogAttributes['otelhouse.redaction.rules'] AS rules FROM otel_logs ORDER BY toUInt32(i)");
    expect(stored).toHaveLength(providerCases.length);
    for (const row of stored) {
      const c = providerCases[Number(row.i)]!;
      const expected = c.expected ?? c.text;
      expect({ body: row.body, detail: row.detail }, c.text).toEqual({ body: expected, detail: expected });
      // The summary names each rule that fired (the same in the body and the attribute).
      expect((row.rules ? (JSON.parse(row.rules) as string[]) : []).sort(), c.text).toEqual(c.rules);
    }
  });

  it('stores span attributes the same way', async () => {
    const stored = await rows<{ i: string; message: string }>(gateway,
      "SELECT SpanAttributes['case.index'] AS i, SpanAttributes['error.message'] AS message FROM otel_traces ORDER BY toUInt32(i)");
    expect(stored).toHaveLength(providerCases.length);
    for (const row of stored) {
      const c = providerCases[Number(row.i)]!;
      expect(row.message, c.text).toBe(c.expected ?? c.text);
    }
  });

  it('leaves no credential anywhere in the tables', async () => {
    const everything = (await rows<{ all: string }>(gateway, "SELECT arrayStringConcat(groupArray(toJSONString(tuple(*))), '\\n') AS all FROM otel_logs"))[0]!.all
      + (await rows<{ all: string }>(gateway, "SELECT arrayStringConcat(groupArray(toJSONString(SpanAttributes)), '\\n') AS all FROM otel_traces"))[0]!.all;
    const leaked = providerCases.filter((c) => c.expected !== null).flatMap((c) => {
      // What the expected output replaced must be gone.
      return secretParts(c.text, c.expected!).filter((part) => everything.includes(JSON.stringify(part).slice(1, -1)));
    });
    expect(leaked).toEqual([]);
  });
});

/** The parts of `text` that `expected` replaced: what is between the kept prefix and suffix. */
function secretParts(text: string, expected: string): string[] {
  let start = 0;
  while (start < text.length && text[start] === expected[start]) start++;
  let end = 0;
  while (end < text.length - start && text[text.length - 1 - end] === expected[expected.length - 1 - end]) end++;
  const part = text.slice(start, text.length - end);
  return part.length >= 8 ? [part] : [];
}
