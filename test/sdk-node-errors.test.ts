import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import * as sdk from '../src/sdk/node/index.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';

// captureException in Node (issue 14, point 5): exception records the gateway reads, a fingerprint
// that groups them, and thrown values that are not Errors (a hostile one too) recorded without throwing.

const INGEST = 'sdk-node-errors-ingest';
let gateway: Gateway;
const dir = tempDataDir('otelhouse-sdk-errors-');

beforeAll(async () => {
  gateway = await startGateway({ auth: { ingestTokens: [INGEST] } });
});
afterAll(async () => {
  await sdk.shutdown(1000);
  await gateway?.shutdown();
  dir.remove();
});

describe('captureException (Node)', () => {
  it('records exception.type, message and stack, and the fingerprint it is given', async () => {
    const service = `node-errors-${randomUUID().slice(0, 8)}`;
    await sdk.init({ endpoint: gateway.url, token: INGEST, service, dataDir: dir.dir, batchDelayMs: 20, handleProcessEvents: false, remoteConfig: false });
    const fail = () => {
      throw new TypeError('cart is empty');
    };
    try {
      fail();
    } catch (err) {
      sdk.captureException(err, { fingerprint: ['empty-cart'], attributes: { 'cart.id': 'c-1' } });
    }
    sdk.captureException('plain text thrown');
    expect(() => sdk.captureException({ toString: () => { throw new Error('hostile'); }, toJSON: () => { throw new Error('hostile'); } })).not.toThrow();
    expect(await sdk.flush(10_000)).toBe(true);
    const stored = await rows<{ type: string; message: string; stack: string; fingerprint: string; cart: string }>(gateway, `SELECT LogAttributes['exception.type'] AS type,
      LogAttributes['exception.message'] AS message, LogAttributes['exception.stacktrace'] AS stack, LogAttributes['otelhouse.fingerprint'] AS fingerprint, LogAttributes['cart.id'] AS cart
      FROM otel_logs WHERE ServiceName = '${service}' AND SeverityText = 'ERROR' ORDER BY Timestamp`);
    expect(stored.map(({ stack, ...rest }) => ({ ...rest, stack: stack.split('\n')[1]?.trim().split(' ')[1] ?? '' }))).toEqual([
      { type: 'TypeError', message: 'cart is empty', fingerprint: '["empty-cart"]', cart: 'c-1', stack: 'fail' },
      { type: 'Error', message: 'plain text thrown', fingerprint: '', cart: '', stack: '' },
      { type: 'Error', message: '[object Object]', fingerprint: '', cart: '', stack: '' },
    ]);
  });
});
