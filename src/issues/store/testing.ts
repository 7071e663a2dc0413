/** Test helpers of the issue store: occurrences and inserting them as the exporter would. */
import { Readable } from 'node:stream';

import type { ClickHouseClient } from '@clickhouse/client';

import type { Occurrence } from '../types.ts';
import { encodeErrorEvents } from './rows.ts';

let sequence = 0;

/** An error occurrence `secondsAgo` before now (default 60 s, distinct per call), with `overrides`. */
export function makeOccurrence(overrides: Partial<Occurrence> & { secondsAgo?: number } = {}): Occurrence {
  const { secondsAgo = 60, ...rest } = overrides;
  sequence += 1;
  return {
    timeUnixNano: BigInt(Date.now() - secondsAgo * 1000) * 1_000_000n + BigInt(sequence),
    fingerprint: 'fp-checkout-typeerror',
    source: 'span_event',
    service: 'checkout',
    version: '1.0.0',
    environment: 'production',
    platform: 'node',
    type: 'TypeError',
    message: "Cannot read properties of undefined (reading 'id')",
    normalizedMessage: "Cannot read properties of undefined (reading 'id')",
    stacktrace: "TypeError: Cannot read properties of undefined (reading 'id')\n    at charge (/app/src/pay.js:10:5)",
    culprit: 'charge (/app/src/pay.js)',
    severity: 'error',
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: (sequence % 0xffff).toString(16).padStart(16, '0'),
    userId: 'user-1',
    installationId: '',
    deviceId: '',
    sessionId: '',
    count: 1,
    ...rest,
  };
}

/** Inserts occurrences into `database.otelhouse_error_events` with a deduplication token, as the exporter's durable path does. */
export async function insertOccurrences(client: ClickHouseClient, database: string, occurrences: Occurrence[], token: string): Promise<void> {
  const { body } = encodeErrorEvents(occurrences);
  const result = await client.exec({
    query: `INSERT INTO \`${database}\`.otelhouse_error_events SETTINGS insert_deduplication_token = '${token}' FORMAT JSONEachRow`,
    values: Readable.from([body]),
  });
  result.stream.resume();
  await new Promise<void>((resolve, reject) => {
    result.stream.on('end', resolve).on('error', reject);
    if (result.stream.readableEnded) resolve();
  });
}
