import { expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.ts';
import { createGateway } from '../src/gateway.ts';
import { rows, tempDataDir } from './support/gateway.ts';
import { post, uniqueSpans } from './support/payloads.ts';

it('never refuses the only request in flight, even under an in-flight bound smaller than the request', async () => {
  // Start-up rejects such bounds (src/config/load.test.ts); a config built in code can still hold them,
  // and refusing the only request would refuse it on every retry.
  const data = tempDataDir();
  const config = validateConfig({ port: 0, logLevel: 'silent', dataDir: data.dir, sql: { port: 0 }, exporter: { segmentMaxAgeMs: 50 } });
  const gateway = await createGateway({ ...config, receiver: { ...config.receiver, maxRequestBytes: 1024 * 1024, maxInFlightBytes: 1024 } });
  await gateway.listen();
  try {
    const body = uniqueSpans('alone', 50);
    expect(body.length).toBeGreaterThan(1024);
    expect((await post(gateway.url, '/v1/traces', body)).status).toBe(200);
    expect(await rows<{ n: string }>(gateway, "SELECT toString(count()) AS n FROM otel_traces WHERE ServiceName = 'alone'")).toEqual([{ n: '50' }]);
  } finally {
    await gateway.shutdown();
    data.remove();
  }
});
