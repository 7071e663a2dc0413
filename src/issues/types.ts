/**
 * The shared vocabulary of error grouping: stack frames, parsed stack traces and error
 * occurrences. Pure data: no Node-only types, so the client SDK can use the same parsers.
 */

/** The runtime a stack trace came from, as detected from its text or the resource. */
export type Platform = 'javascript' | 'node' | 'python' | 'java' | 'go' | 'dotnet' | 'other';

/** One stack frame, as parsed (and, for minified JavaScript, after symbolication). */
export interface Frame {
  /** Function or method name as written in the trace (`Class.method`, `<anonymous>`), `''` if none. */
  function: string;
  /** Module, package or class path (`java.util.ArrayList`, `app.views`, `main`), `''` if none. */
  module: string;
  /** File path or URL, `''` if none. */
  file: string;
  /** 1-based line, 0 when unknown. Never part of a fingerprint. */
  line: number;
  /** 1-based column, 0 when unknown. Never part of a fingerprint. */
  column: number;
  /** False for library and runtime frames (`node_modules`, `site-packages`, `java.*`, `node:`…). */
  inApp: boolean;
}

/** A parsed stack trace. Frames are ordered as Sentry orders them: oldest call first, the frame that threw last. */
export interface StackTrace {
  platform: Platform;
  /** Exception type from the trace's header line when it has one (`TypeError`, `java.lang.IllegalStateException`). */
  type: string;
  /** Message from the header line, `''` if none. */
  message: string;
  frames: Frame[];
  /** The chained cause (`Caused by:` in Java, `The above exception was the direct cause` in Python, inner exceptions in .NET). */
  cause?: StackTrace;
}

/** How bad an occurrence is, from the record's severity. */
export type Severity = 'warning' | 'error' | 'fatal';

/** One error occurrence, extracted from a span's `exception` event or from an error log record. */
export interface Occurrence {
  /** Nanoseconds since the Unix epoch. */
  timeUnixNano: bigint;
  fingerprint: string;
  /** Where it came from. */
  source: 'span_event' | 'log';
  service: string;
  version: string;
  environment: string;
  platform: Platform;
  /** `exception.type`, or the type parsed from the stack trace; `''` for a plain error log. */
  type: string;
  /** `exception.message` or the log body, as stored (already redacted). */
  message: string;
  /** The message with variable parts replaced (see `normalizeMessage`), used for the title. */
  normalizedMessage: string;
  /** The stack trace as stored (symbolicated when a source map was found). */
  stacktrace: string;
  /** The in-app frame that threw, `function (file)`, or `''` — Sentry's "culprit". */
  culprit: string;
  severity: Severity;
  traceId: string;
  spanId: string;
  userId: string;
  installationId: string;
  deviceId: string;
  sessionId: string;
  /**
   * How many occurrences this one record stands for, >= 1: a client that rate-limits an error storm
   * sends one record for many (`otelhouse.occurrences`). Issue counts add it up; users count once.
   */
  count: number;
}
