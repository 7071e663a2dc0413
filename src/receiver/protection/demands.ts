import { countRecords } from '../../batch/records.ts';
import type { Batch, ResourceGroup } from '../../batch/types.ts';
import { asString } from '../../batch/asString.ts';
import type { RateLimitRule } from './rateLimit.ts';

/** Who sent a request, as far as the receiver knows before decoding it. */
export interface Sender {
  token: string | undefined;
  ip: string;
}

/** For each rule, the records this request brings per key value. */
export function rateLimitDemands(rules: readonly RateLimitRule[], batch: Batch, total: number, sender: Sender): Array<Map<string, number>> {
  return rules.map((rule) => {
    switch (rule.key) {
      case 'ingest_token':
        return new Map([[sender.token ?? '(none)', total]]);
      case 'client_ip':
        return new Map([[sender.ip, total]]);
      default:
        return perResourceAttribute(batch, rule.key);
    }
  });
}

function perResourceAttribute(batch: Batch, key: string): Map<string, number> {
  const demand = new Map<string, number>();
  for (const group of batch.resources as ResourceGroup<unknown>[]) {
    const value = group.resource.attributes.get(key);
    const id = value === undefined ? '(none)' : asString(value);
    // Records as the receiver counts them (a metric's data points).
    const records = countRecords({ signal: batch.signal, resources: [group] } as Batch);
    demand.set(id, (demand.get(id) ?? 0) + records);
  }
  return demand;
}
