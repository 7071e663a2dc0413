import type { Attributes } from '@opentelemetry/api';
import type { EncodedObject, LogFields } from './otlpJson.ts';

/**
 * Redacts records on the client before they are queued: written ahead, kept on the device and sent
 * only as redacted (`otelhouse/sdk/redaction` makes one with the gateway's own rule engine). The
 * gateway's `/v1/config` serves the rules: `configure` takes its `redaction` member as served.
 */
export interface Scrubber {
  /** The served `redaction` member: rules, or null when the gateway asks for none. Unreadable rules keep the current ones. */
  configure(served: unknown): void;
  /** Redacts a span's record in place (attributes, span and event names, status message, event and link attributes). */
  scrub(record: EncodedObject): void;
  /** Redacts a log record before it is encoded (body and attributes; a copy of the attributes replaces them when anything is found). */
  scrubLog(log: LogFields): void;
  /** The resource every request carries (what the app passed as `resource` too), redacted: a copy. */
  resource(attributes: Attributes): Attributes;
  /** Findings replaced since the start, per rule. */
  readonly counts: Readonly<Record<string, number>>;
}
