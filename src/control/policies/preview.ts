import type { ClickHouseClient } from '@clickhouse/client';

import { controlPlaneTableNames, qualified } from '../../storage/clickhouse/schema/controlPlane.ts';
import { emptyIdentity } from './identity.ts';
import type { CompiledPolicy } from './targeting.ts';

/** What a preview found. */
export interface PolicyPreview {
  /** Clients seen in the window that the policy's targeting (rollout included) selects. */
  matching: number;
  /** Clients seen in the window. */
  seen: number;
  windowHours: number;
}

/** Hours a preview looks back. */
export const PREVIEW_WINDOW_HOURS = 24;

/**
 * "N of M clients seen in the last 24 h would match": runs the policy's compiled targeting over every
 * client in `otelhouse_clients_seen` (a client = `app.installation.id`, else `device.id`, with the
 * attributes it sent most recently: FINAL folds an hour's rows in insert order). Only targeting
 * counts: enabled and schedule are ignored, so a draft can be previewed. Rows are streamed, so
 * memory stays flat however many clients there are.
 */
export async function previewPolicy(client: ClickHouseClient, database: string, policy: Pick<CompiledPolicy, 'targets'>): Promise<PolicyPreview> {
  const result = await client.query({
    query: `SELECT ClientId, argMax(ServiceName, Hour), argMax(ServiceVersion, Hour), argMax(Platform, Hour),
        argMax(Environment, Hour), argMax(Channel, Hour), argMax(Country, Hour)
      FROM ${qualified(database, controlPlaneTableNames.clientsSeen)} FINAL
      WHERE Hour >= toStartOfHour(now() - toIntervalHour({hours:UInt32}))
      GROUP BY ClientId`,
    format: 'JSONCompactEachRow',
    query_params: { hours: PREVIEW_WINDOW_HOURS },
  });
  let seen = 0;
  let matching = 0;
  const identity = emptyIdentity();
  for await (const rows of result.stream<[string, string, string, string, string, string, string]>()) {
    for (const row of rows) {
      const [clientId, service, version, platform, environment, channel, country] = row.json();
      // The client ID is the rollout key (installation ID, else device ID), as the gateway hashes it.
      identity.installationId = clientId;
      identity.service = service;
      identity.serviceVersion = version;
      identity.platform = platform;
      identity.environment = environment;
      identity.channel = channel;
      identity.country = country;
      seen++;
      if (policy.targets(identity)) matching++;
    }
  }
  return { matching, seen, windowHours: PREVIEW_WINDOW_HOURS };
}
