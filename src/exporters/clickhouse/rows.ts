import type { AnyValue, Attributes, LogBatch, SpanEvent, SpanLink, TraceBatch } from '../../batch/types.ts';
import { asString, wellFormed } from '../../batch/asString.ts';

/** Rows for one table in ClickHouse's `JSONEachRow` format: one JSON object per line. */
export interface EncodedRows {
  body: string;
  rows: number;
}

/*
 * Performance (measured with encode.bench.ts; keep these true when changing this file):
 * - A row is built by concatenation, a rope of ~50 small strings; rows are gathered into chunks of
 *   about 128 K characters, each copied once into one flat string while its pieces are young. A
 *   body that stays a rope of small pieces costs the GC millions of objects per insert and costs
 *   more to flatten (on insert or spool) than to build; one join over an array of all pieces costs
 *   more per piece; flattening rows and then the body copies every byte twice. Chunks this large
 *   are allocated outside the young generation, so the GC never copies them while they wait.
 * - Values are scanned with one precompiled regex and used as they are when nothing needs
 *   escaping; only the rare value that does goes through JSON.stringify.
 * - Attribute keys repeat on nearly every record, so their quoted forms are cached.
 */

const spanKinds = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const statusCodes = ['Unset', 'Ok', 'Error'];

/** Largest instant a `DateTime64(9)` holds (2262-04-11); later values are clamped so an insert never fails on them. */
const maxNanos = (1n << 63n) - 1n;
const maxNanosText = maxNanos.toString();

function nanos(t: bigint): string {
  return t < 0n ? '0' : t > maxNanos ? maxNanosText : t.toString();
}

/**
 * Characters for which `JSON.stringify` writes something other than the character itself (`"`,
 * `\`, controls), and surrogates, which need a look for lone ones (see {@link wellFormed}).
 */
const needsEscape = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * `s` as the inside of a JSON string: the text `JSON.stringify` puts between its quotes, with lone
 * surrogates as U+FFFD. Most values need no escaping and are used as they are.
 */
function inner(s: string): string {
  return needsEscape.test(s) ? JSON.stringify(wellFormed(s)).slice(1, -1) : s;
}

/** An attribute value stringified like the Collector's AsString, as the inside of a JSON string. */
function valueInner(value: AnyValue): string {
  switch (typeof value) {
    case 'string':
      return inner(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return asString(value); // digits, or Go's "json: unsupported value: NaN": nothing to escape
    default:
      return inner(asString(value));
  }
}

/** An attribute key as it opens a map's first entry (`{"key":"`) and any later one (`","key":"`). */
interface KeyText {
  first: string;
  next: string;
}

/** Bounded, in number and length of keys, because keys come from senders. At the bound it starts over. */
const keyTexts = new Map<string, KeyText>();
const maxCachedKeys = 10_000;
const maxCachedKeyLength = 256;

function keyText(key: string): KeyText {
  let text = keyTexts.get(key);
  if (text === undefined) {
    const quoted = JSON.stringify(wellFormed(key));
    text = { first: `{${quoted}:"`, next: `","${quoted.slice(1)}:"` };
    if (key.length <= maxCachedKeyLength) {
      if (keyTexts.size >= maxCachedKeys) keyTexts.clear();
      keyTexts.set(key, text);
    }
  }
  return text;
}

/** The text after a map column, with the map's end in front: `{}` for no entries, else `"}`. */
interface MapEnd {
  empty: string;
  close: string;
}

const mapEnd = (after: string): MapEnd => ({ empty: `{}${after}`, close: `"}${after}` });
const bareMap = mapEnd('');

/**
 * A `Map(LowCardinality(String), String)` value followed by the text in `end`: the attributes in
 * insertion order, each value stringified like the Collector's AsString.
 */
function mapText(attributes: Attributes, end: MapEnd): string {
  if (attributes.size === 0) return end.empty;
  let text = '';
  for (const [key, value] of attributes) {
    const k = keyText(key);
    text += text === '' ? k.first : k.next;
    text += valueInner(value);
  }
  return text + end.close;
}

/** A `Map(LowCardinality(String), String)` value as JSON. */
export function mapJson(attributes: Attributes): string {
  return mapText(attributes, bareMap);
}

function serviceName(resource: Attributes): string {
  const service = resource.get('service.name');
  return service === undefined ? '' : inner(asString(service));
}

/** Characters per flat chunk of the body: above V8's largest young-generation object (128 KiB). */
const chunkChars = 1 << 17;

/** Gathers rows into flat chunks (see the performance notes above). */
class Body {
  private text = '';
  private chunk = '';
  /** The last row's closing piece, held back so that the join below has two non-empty parts. */
  private tail = '';
  private rows = 0;

  /** Appends a row: its text up to `end`, and `end`, a constant that closes it with a newline. */
  add(row: string, end: string): void {
    this.chunk += this.tail;
    this.chunk += row;
    this.tail = end;
    this.rows++;
    if (this.chunk.length >= chunkChars) this.cut();
  }

  done(): EncodedRows {
    if (this.tail) this.cut();
    return { body: this.text, rows: this.rows };
  }

  private cut(): void {
    // Copies the rope into one flat string (a join with an empty part hands back the rope itself).
    this.text += [this.chunk, this.tail].join('');
    this.chunk = '';
    this.tail = '';
  }
}

const spanKindCols = spanKinds.map((kind) => `","SpanKind":"${kind}`);
const statusCols = statusCodes.map((code) => `,"StatusCode":"${code}","StatusMessage":"`);
const spanAttributesEnd = mapEnd(',"Duration":');
const noEventsNorLinks =
  '","Events.Timestamp":[],"Events.Name":[],"Events.Attributes":[],' +
  '"Links.TraceId":[],"Links.SpanId":[],"Links.TraceState":[],"Links.Attributes":[]}\n';

/**
 * Encodes spans as `otel_traces` rows, column for column as the contrib clickhouseexporter writes
 * them (reference/clickhouse-otel-schema.md §1.1, §2). Resource and scope columns are encoded once
 * per group, not per span. IDs are written unescaped: the decoder guarantees lowercase hex or ''.
 */
export function encodeSpans(batch: TraceBatch): EncodedRows {
  const body = new Body();
  for (const group of batch.resources) {
    const resource = group.resource.attributes;
    const resourceCols = `","ServiceName":"${serviceName(resource)}","ResourceAttributes":${mapText(resource, mapEnd(',"ScopeName":"'))}`;
    for (const scope of group.scopes) {
      // Flat once per group: it is copied into every row.
      const groupCols = [resourceCols, inner(scope.scope.name), '","ScopeVersion":"', inner(scope.scope.version), '","SpanAttributes":'].join('');
      for (const span of scope.records) {
        const start = span.startTimeUnixNano;
        const end = span.endTimeUnixNano;
        const row =
          `{"Timestamp":${nanos(start)},"TraceId":"${span.traceId}","SpanId":"${span.spanId}","ParentSpanId":"${span.parentSpanId}",` +
          `"TraceState":"${inner(span.traceState)}","SpanName":"${inner(span.name)}${spanKindCols[span.kind] ?? '","SpanKind":"'}` +
          `${groupCols}${mapText(span.attributes, spanAttributesEnd)}${end > start ? (end - start).toString() : '0'}` +
          `${statusCols[span.status.code] ?? ',"StatusCode":"","StatusMessage":"'}${inner(span.status.message)}`;
        if (span.events.length === 0 && span.links.length === 0) body.add(row, noEventsNorLinks);
        else body.add(row + eventsAndLinks(span.events, span.links), ']}\n');
      }
    }
  }
  return body.done();
}

/** The `Events.*` and `Links.*` columns, parallel arrays, up to the last array's closing `]`. */
function eventsAndLinks(events: SpanEvent[], links: SpanLink[]): string {
  let times = '';
  let names = '';
  let eventAttributes = '';
  for (let i = 0; i < events.length; i++) {
    const sep = i ? ',' : '';
    times += sep + nanos(events[i].timeUnixNano);
    names += `${sep}"${inner(events[i].name)}"`;
    eventAttributes += sep + mapText(events[i].attributes, bareMap);
  }
  let traceIds = '';
  let spanIds = '';
  let traceStates = '';
  let linkAttributes = '';
  for (let i = 0; i < links.length; i++) {
    const sep = i ? ',' : '';
    traceIds += `${sep}"${links[i].traceId}"`;
    spanIds += `${sep}"${links[i].spanId}"`;
    traceStates += `${sep}"${inner(links[i].traceState)}"`;
    linkAttributes += sep + mapText(links[i].attributes, bareMap);
  }
  return (
    `","Events.Timestamp":[${times}],"Events.Name":[${names}],"Events.Attributes":[${eventAttributes}],` +
    `"Links.TraceId":[${traceIds}],"Links.SpanId":[${spanIds}],"Links.TraceState":[${traceStates}],"Links.Attributes":[${linkAttributes}`
  );
}

const logAttributesEnd = mapEnd(',"EventName":"');

/**
 * Encodes log records as `otel_logs` rows (current layout, reference §1.3, §2): `Timestamp` falls
 * back to the observed time when the record has none; `Body` goes through AsString.
 */
export function encodeLogs(batch: LogBatch): EncodedRows {
  const body = new Body();
  for (const group of batch.resources) {
    const resource = group.resource.attributes;
    const resourceCols =
      `,"ServiceName":"${serviceName(resource)}","ResourceSchemaUrl":"${inner(group.schemaUrl)}",` +
      `"ResourceAttributes":${mapText(resource, mapEnd(',"ScopeSchemaUrl":"'))}`;
    for (const scope of group.scopes) {
      // Flat once per group: it is copied into every row.
      const groupCols = [
        resourceCols, inner(scope.schemaUrl), '","ScopeName":"', inner(scope.scope.name), '","ScopeVersion":"',
        inner(scope.scope.version), '","ScopeAttributes":', mapText(scope.scope.attributes, mapEnd(',"Body":"')),
      ].join('');
      for (const log of scope.records) {
        const row =
          `{"Timestamp":${nanos(log.timeUnixNano !== 0n ? log.timeUnixNano : log.observedTimeUnixNano)},"TraceId":"${log.traceId}",` +
          `"SpanId":"${log.spanId}","TraceFlags":${log.flags & 0xff},"SeverityText":"${inner(log.severityText)}",` +
          `"SeverityNumber":${log.severityNumber & 0xff}${groupCols}${valueInner(log.body)}","LogAttributes":` +
          `${mapText(log.attributes, logAttributesEnd)}${inner(log.eventName)}`;
        body.add(row, '"}\n');
      }
    }
  }
  return body.done();
}
