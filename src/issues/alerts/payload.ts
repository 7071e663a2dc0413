import type { Occurrence } from '../types.ts';
import { clip, mrkdwn, mrkdwnCode, slackLinkUrl } from './text.ts';
import type { Alert, AlertKind, IssueSummary } from './types.ts';

/**
 * Alert bodies, pure functions of the alert: the Slack incoming-webhook body and the generic JSON
 * body. Every string from telemetry is bounded; in the Slack body it is also mrkdwn-escaped.
 */

/** What the payload builders need beyond the alert. */
export interface PayloadOptions {
  /** See `publicUrl` in the alerts config; unset = no link. */
  publicUrl?: string;
}

/** A Slack incoming-webhook body: `text` is the notification fallback, `blocks` the message. */
export interface SlackBody {
  text: string;
  blocks: Array<{ type: 'section'; text: { type: 'mrkdwn'; text: string } }>;
}

/** The generic JSON body. */
export interface JsonBody {
  event: AlertKind;
  issue: IssueSummary & { url?: string };
  occurrence?: JsonOccurrence;
  previous?: { status?: string; severity?: string };
  /** When this attempt was sent, ISO 8601 UTC. */
  sentAt: string;
}

/** The triggering occurrence in the generic body (personal identifiers such as user, device and session IDs are left out). */
export interface JsonOccurrence {
  /** ISO 8601 UTC, millisecond precision. */
  time: string;
  /** Nanoseconds since the Unix epoch, as a decimal string (JSON has no 64-bit integers). */
  timeUnixNano: string;
  source: Occurrence['source'];
  platform: Occurrence['platform'];
  type: string;
  message: string;
  culprit: string;
  severity: Occurrence['severity'];
  version: string;
  traceId: string;
  spanId: string;
  stacktrace: string;
}

const headlines: Record<AlertKind, string> = { new: 'New issue', regressed: 'Regressed issue', escalated: 'Escalating issue' };
// Slack caps a section's text at 3000 characters; the parts below add up to well under it.
const SLACK_SECTION_MAX = 3000;
const SLACK_URL_MAX = 1000;

/** The Slack body: a fallback `text` and one mrkdwn section with the issue's essentials and a link. */
export function buildSlackBody(alert: Alert, options: PayloadOptions = {}): SlackBody {
  const { issue, occurrence } = alert;
  const title = mrkdwn(issue.title || occurrence?.type || '(no title)', 300);
  const service = mrkdwn(issue.service || 'unknown service', 100);
  const environment = issue.environment ? mrkdwn(issue.environment, 100) : '';
  const headline = `${headlines[alert.kind]}${change(alert)}`;
  const where = environment ? `${service} (${environment})` : service;
  const url = issueUrl(options.publicUrl, issue.fingerprint);
  const link = url && url.length <= SLACK_URL_MAX ? `<${slackLinkUrl(url)}|View issue>` : '';

  const version = occurrence?.version || issue.versions.at(-1) || '';
  const lines = [
    `*${headline}* in *${where}*${link ? ` · ${link}` : ''}`,
    `*${title}*`,
    [
      version ? `Version: \`${mrkdwnCode(version, 100)}\`` : '',
      `Events: ${count(issue.events)}`,
      `Users: ${count(issue.users)}`,
      `Severity: ${mrkdwn(issue.severity, 20)}`,
    ]
      .filter(Boolean)
      .join(' · '),
  ];
  const culprit = issue.culprit || occurrence?.culprit || '';
  if (culprit) lines.push(`Culprit: \`${mrkdwnCode(culprit, 200)}\``);

  return {
    text: `${headline}: ${title} — ${where}`,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n'), SLACK_SECTION_MAX) } }],
  };
}

/** The generic JSON body, stamped with `sentAt`. */
export function buildJsonBody(alert: Alert, options: PayloadOptions = {}, sentAt: Date = new Date()): JsonBody {
  const { issue, occurrence, previous } = alert;
  const url = issueUrl(options.publicUrl, issue.fingerprint);
  const body: JsonBody = {
    event: alert.kind,
    issue: {
      fingerprint: issue.fingerprint,
      title: clip(issue.title, 1000),
      service: clip(issue.service, 256),
      environment: clip(issue.environment, 256),
      status: issue.status,
      severity: issue.severity,
      culprit: clip(issue.culprit, 1000),
      firstSeen: issue.firstSeen,
      lastSeen: issue.lastSeen,
      events: issue.events,
      users: issue.users,
      versions: issue.versions.slice(-50).map((v) => clip(v, 256)),
      ...(url ? { url } : {}),
    },
    sentAt: sentAt.toISOString(),
  };
  if (occurrence) body.occurrence = jsonOccurrence(occurrence);
  if (previous) body.previous = { ...previous };
  return body;
}

/** The link to an issue under `publicUrl`, or undefined without one. */
export function issueUrl(publicUrl: string | undefined, fingerprint: string): string | undefined {
  if (!publicUrl) return undefined;
  const id = encodeURIComponent(fingerprint);
  if (publicUrl.includes('{fingerprint}')) return publicUrl.replaceAll('{fingerprint}', id);
  return `${publicUrl.replace(/\/+$/, '')}/api/issues/${id}`;
}

function jsonOccurrence(o: Occurrence): JsonOccurrence {
  return {
    time: isoFromNanos(o.timeUnixNano),
    timeUnixNano: o.timeUnixNano.toString(),
    source: o.source,
    platform: o.platform,
    type: clip(o.type, 256),
    message: clip(o.message, 4000),
    culprit: clip(o.culprit, 1000),
    severity: o.severity,
    version: clip(o.version, 256),
    traceId: o.traceId,
    spanId: o.spanId,
    stacktrace: clip(o.stacktrace, 16_000),
  };
}

function change(alert: Alert): string {
  const previous = alert.previous;
  if (alert.kind === 'regressed' && previous?.status) return ` (was ${mrkdwn(previous.status, 30)})`;
  if (alert.kind === 'escalated' && previous?.severity) {
    return ` (severity ${mrkdwn(previous.severity, 20)} → ${mrkdwn(alert.issue.severity, 20)})`;
  }
  return '';
}

function count(n: number): string {
  return Number.isFinite(n) ? Math.trunc(n).toLocaleString('en-US') : '?';
}

function isoFromNanos(nanos: bigint): string {
  const date = new Date(Number(nanos / 1_000_000n));
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}
