/**
 * The last stage of the chain: finds error occurrences (span `exception` events, exception logs,
 * ERROR+ logs), symbolicates minified JavaScript frames, groups each occurrence and writes its
 * fingerprint on the stored record as `otelhouse.fingerprint`. The occurrences ride along with the
 * batch to the export stage ({@link takeOccurrences}), which stores them in `error_events` and
 * feeds the issue tracker once they are durable.
 */
import type { Batch } from '../../batch/types.ts';
import { findErrorSites, FINGERPRINT_ATTRIBUTE, type ErrorSite } from '../../issues/extract.ts';
import { fingerprint } from '../../issues/grouping/fingerprint.ts';
import { normalizeMessage } from '../../issues/grouping/normalize.ts';
import type { CompiledRules } from '../../issues/grouping/rules.ts';
import { formatV8Stack, stackHeader } from '../../issues/sourcemaps/format.ts';
import type { SourceMapLookup } from '../../issues/sourcemaps/store.ts';
import { symbolicate } from '../../issues/sourcemaps/symbolicate.ts';
import { parseStackTrace } from '../../issues/stacktrace/index.ts';
import type { Occurrence, StackTrace } from '../../issues/types.ts';
import type { Processor } from '../processor.ts';

export interface FingerprintOptions {
  /** Fingerprint rules from config, compiled once. */
  rules?: CompiledRules;
  /** Where uploaded source maps are looked up; without it JavaScript frames stay as sent. */
  sourceMaps?: SourceMapLookup;
}

/** Occurrences found in a batch, until the export stage takes them. */
const pending = new WeakMap<Batch, Occurrence[]>();

/** The occurrences the fingerprint stage found in `batch` (once; `[]` when none). */
export function takeOccurrences(batch: Batch): Occurrence[] {
  const found = pending.get(batch);
  if (found === undefined) return [];
  pending.delete(batch);
  return found;
}

const isJavaScript = (stack: StackTrace): boolean => stack.platform === 'javascript' || stack.platform === 'node';

/** Replaces minified frames by their originals (and the stored stack text with them) when a source map is known. */
async function withOriginalFrames(site: ErrorSite, stack: StackTrace, sourceMaps: SourceMapLookup): Promise<void> {
  if (!isJavaScript(stack) || !site.version) return;
  const { frames, symbolicated } = await symbolicate(stack.frames, site.version, sourceMaps);
  if (symbolicated === 0) return;
  stack.frames = frames;
  const text = formatV8Stack(stackHeader(site.stacktrace), frames);
  site.attributes.set('exception.stacktrace', text);
  site.stacktrace = text;
}

async function occurrenceOf(site: ErrorSite, options: FingerprintOptions): Promise<Occurrence> {
  const stack = parseStackTrace(site.stacktrace, { platform: site.platform === 'other' ? undefined : site.platform, type: site.type, message: site.message });
  if (stack && options.sourceMaps) await withOriginalFrames(site, stack, options.sourceMaps);
  const grouped = fingerprint({ service: site.service, type: site.type, message: site.message, stack, clientFingerprint: site.clientFingerprint, rules: options.rules });
  site.attributes.set(FINGERPRINT_ATTRIBUTE, grouped.fingerprint);
  return {
    timeUnixNano: site.timeUnixNano,
    fingerprint: grouped.fingerprint,
    source: site.source,
    service: site.service,
    version: site.version,
    environment: site.environment,
    platform: stack?.platform ?? site.platform,
    type: site.type || stack?.type || '',
    message: site.message,
    normalizedMessage: normalizeMessage(site.message || stack?.message || ''),
    stacktrace: site.stacktrace,
    culprit: grouped.culprit,
    severity: site.severity,
    traceId: site.traceId,
    spanId: site.spanId,
    userId: site.userId,
    installationId: site.installationId,
    deviceId: site.deviceId,
    sessionId: site.sessionId,
  };
}

/** The fingerprint stage. Counts `occurrence.span_event` / `occurrence.log` events. */
export function fingerprintProcessor(name: string, options: FingerprintOptions): Processor {
  return {
    name,
    async process(batch, report) {
      const sites = findErrorSites(batch);
      if (sites.length === 0) return batch;
      const occurrences: Occurrence[] = [];
      for (const site of sites) occurrences.push(await occurrenceOf(site, options));
      const fromLogs = occurrences.filter((o) => o.source === 'log').length;
      if (fromLogs) report.count('occurrence.log', fromLogs);
      if (occurrences.length - fromLogs) report.count('occurrence.span_event', occurrences.length - fromLogs);
      pending.set(batch, occurrences);
      return batch;
    },
  };
}
