/**
 * Finding error occurrences in a batch: span events named `exception`, log records carrying
 * `exception.*` attributes, and logs at ERROR or above without them. What is found here is raw:
 * the issues connector (`src/connectors/issues/`) parses, symbolicates and groups it. Sites hold
 * copies of what they read, never the record, so a queued site does not keep its batch alive.
 */
import type { AnyValue, Attributes, Batch, LogRecord, Resource, Span, SpanEvent } from '../batch/types.ts';
import type { Occurrence, Platform, Severity } from './types.ts';

/**
 * One place an error was reported, with everything read from it and its resource: the fields of
 * the {@link Occurrence} it becomes that are read rather than computed (`platform` is the
 * resource's `telemetry.sdk.language` until the stack trace says better).
 */
export interface ErrorSite
  extends Pick<
    Occurrence,
    | 'source' | 'timeUnixNano' | 'service' | 'version' | 'environment' | 'platform' | 'type' | 'message' | 'stacktrace'
    | 'severity' | 'traceId' | 'spanId' | 'userId' | 'installationId' | 'deviceId' | 'sessionId' | 'count'
  > {
  /** A client-supplied `otelhouse.fingerprint` (string or list of strings). */
  clientFingerprint?: string | string[];
}

export const FINGERPRINT_ATTRIBUTE = 'otelhouse.fingerprint';

/** How many occurrences one record stands for, set by a client that rate-limits an error storm. */
export const OCCURRENCES_ATTRIBUTE = 'otelhouse.occurrences';

/** The most occurrences one record may claim: a hostile or broken client cannot inflate an issue's count past this per record. */
export const MAX_OCCURRENCES = 1_000_000;

/** OTLP SeverityNumber 17 = ERROR, 21 = FATAL. */
const ERROR = 17;
const FATAL = 21;

const SDK_PLATFORMS: Record<string, Platform> = {
  nodejs: 'node',
  webjs: 'javascript',
  javascript: 'javascript',
  browser: 'javascript',
  python: 'python',
  java: 'java',
  kotlin: 'java',
  go: 'go',
  dotnet: 'dotnet',
};

const text = (value: AnyValue | undefined): string => {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
};

/** A record attribute, else the resource's. */
const either = (record: Attributes, resource: Attributes, key: string): string => text(record.get(key)) || text(resource.get(key));

function clientFingerprint(value: AnyValue | undefined): string | string[] | undefined {
  if (typeof value === 'string') return value || undefined;
  if (Array.isArray(value)) {
    const parts = value.filter((v): v is string => typeof v === 'string' && v !== '');
    return parts.length ? parts : undefined;
  }
  return undefined;
}

const DIGITS = /^[0-9]+$/;

/**
 * The occurrence count a record claims: an integer >= 1 (an int, a whole double or a decimal
 * string), clamped to {@link MAX_OCCURRENCES}. Anything else (missing, 0, negative, fractional,
 * NaN, not a number) counts 1: the record itself is one occurrence.
 */
export function occurrenceCount(value: AnyValue | undefined): number {
  if (typeof value === 'bigint') return value < 1n ? 1 : value > BigInt(MAX_OCCURRENCES) ? MAX_OCCURRENCES : Number(value);
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 ? Math.min(value, MAX_OCCURRENCES) : 1;
  if (typeof value === 'string' && DIGITS.test(value)) {
    // Past a double's exact range the value is past the cap anyway; a very long one is Infinity.
    const n = Number(value);
    return n < 1 ? 1 : Math.min(n, MAX_OCCURRENCES);
  }
  return 1;
}

/** Text of a log body: a string as it is, a structured body's `message` (or `msg`) field. */
function bodyText(body: AnyValue): string {
  if (typeof body === 'string') return body;
  if (body instanceof Map) return text(body.get('message')) || text(body.get('msg')) || text(body.get('error'));
  return text(body);
}

interface ResourceFields {
  service: string;
  version: string;
  environment: string;
  platform: Platform;
}

function resourceFields(resource: Resource): ResourceFields {
  const attrs = resource.attributes;
  return {
    service: text(attrs.get('service.name')),
    version: text(attrs.get('service.version')),
    environment: text(attrs.get('deployment.environment.name')) || text(attrs.get('deployment.environment')),
    platform: SDK_PLATFORMS[text(attrs.get('telemetry.sdk.language')).toLowerCase()] ?? 'other',
  };
}

function site(
  source: ErrorSite['source'],
  attributes: Attributes,
  resource: Resource,
  fields: ResourceFields,
  time: bigint,
  traceId: string,
  spanId: string,
  severity: Severity,
  message: string,
  context: Attributes,
): ErrorSite {
  const res = resource.attributes;
  // Identity may sit on the record, the span carrying the event, or the resource.
  const id = (key: string) => text(attributes.get(key)) || either(context, res, key);
  return {
    source,
    timeUnixNano: time,
    ...fields,
    type: text(attributes.get('exception.type')),
    message: text(attributes.get('exception.message')) || message,
    stacktrace: text(attributes.get('exception.stacktrace')),
    clientFingerprint: clientFingerprint(attributes.get(FINGERPRINT_ATTRIBUTE)),
    severity,
    traceId,
    spanId,
    userId: id('user.id') || id('enduser.id'),
    installationId: id('app.installation.id'),
    deviceId: id('device.id'),
    sessionId: id('session.id'),
    count: occurrenceCount(attributes.get(OCCURRENCES_ATTRIBUTE)),
  };
}

const hasException = (attrs: Attributes): boolean =>
  attrs.has('exception.type') || attrs.has('exception.message') || attrs.has('exception.stacktrace');

/** Severity of a log occurrence; an exception logged without a severity counts as an error. */
function logSeverity(n: number): Severity {
  return n >= FATAL ? 'fatal' : n >= ERROR || n === 0 ? 'error' : 'warning';
}

/** Every error occurrence in `batch`, in batch order. */
export function findErrorSites(batch: Batch): ErrorSite[] {
  const sites: ErrorSite[] = [];
  if (batch.signal === 'metrics') return sites;
  for (const group of batch.resources) {
    const fields = resourceFields(group.resource);
    for (const scope of group.scopes) {
      if (batch.signal === 'traces') {
        for (const span of scope.records as Span[]) {
          const events = span.events;
          for (let i = 0; i < events.length; i++) {
            const event: SpanEvent = events[i];
            if (event.name !== 'exception') continue;
            sites.push(site('span_event', event.attributes, group.resource, fields, event.timeUnixNano || span.startTimeUnixNano, span.traceId, span.spanId, 'error', span.status.message, span.attributes));
          }
        }
      } else {
        for (const log of scope.records as LogRecord[]) {
          const exception = hasException(log.attributes);
          if (!exception && log.severityNumber < ERROR) continue;
          const time = log.timeUnixNano || log.observedTimeUnixNano;
          sites.push(site('log', log.attributes, group.resource, fields, time, log.traceId, log.spanId, logSeverity(log.severityNumber), bodyText(log.body), log.attributes));
        }
      }
    }
  }
  return sites;
}
