/**
 * From an error site to an occurrence: parse the stack, symbolicate minified JavaScript frames
 * with uploaded source maps, group. Runs in the issues connector, after the records are durable,
 * so the source-map lookups (ClickHouse reads, cached) never hold an OTLP request.
 */
import type { ErrorSite } from '../../issues/extract.ts';
import { fingerprint } from '../../issues/grouping/fingerprint.ts';
import { normalizeMessage } from '../../issues/grouping/normalize.ts';
import type { CompiledRules } from '../../issues/grouping/rules.ts';
import { formatV8Stack, stackHeader } from '../../issues/sourcemaps/format.ts';
import type { SourceMapLookup } from '../../issues/sourcemaps/store.ts';
import { symbolicate } from '../../issues/sourcemaps/symbolicate.ts';
import { parseStackTrace } from '../../issues/stacktrace/index.ts';
import type { Occurrence, StackTrace } from '../../issues/types.ts';

export interface OccurrenceOptions {
  /** Fingerprint rules from config, compiled once. */
  rules?: CompiledRules;
  /** Where uploaded source maps are looked up; without it JavaScript frames stay as sent. */
  sourceMaps?: SourceMapLookup;
}

const isJavaScript = (stack: StackTrace): boolean => stack.platform === 'javascript' || stack.platform === 'node';

/**
 * Replaces minified frames by their originals (and the occurrence's stack text with them) when a
 * source map is known: in release `service.name@service.version` (Sentry's naming), else in
 * release `service.version`. Releases without maps cost no query (the store knows which have some).
 */
async function withOriginalFrames(site: ErrorSite, stack: StackTrace, sourceMaps: SourceMapLookup): Promise<void> {
  if (!isJavaScript(stack) || !site.version) return;
  const releases = site.service ? [`${site.service}@${site.version}`, site.version] : [site.version];
  let found: Awaited<ReturnType<typeof symbolicate>> | undefined;
  for (const release of releases) {
    found = await symbolicate(stack.frames, release, sourceMaps);
    if (found.symbolicated > 0) break;
  }
  const { frames, symbolicated } = found!;
  if (symbolicated === 0) return;
  stack.frames = frames;
  const text = formatV8Stack(stackHeader(site.stacktrace), frames);
  site.stacktrace = text;
}

/** The occurrence an error site is: its stack parsed (and symbolicated), grouped into a fingerprint. */
export async function occurrenceOf(site: ErrorSite, options: OccurrenceOptions): Promise<Occurrence> {
  const stack = parseStackTrace(site.stacktrace, { platform: site.platform === 'other' ? undefined : site.platform, type: site.type, message: site.message });
  if (stack && options.sourceMaps) await withOriginalFrames(site, stack, options.sourceMaps);
  const grouped = fingerprint({ service: site.service, type: site.type, message: site.message, stack, clientFingerprint: site.clientFingerprint, rules: options.rules });
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
    count: site.count,
  };
}
