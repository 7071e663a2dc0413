/** Output formats: which a reader may ask for, and the `Content-Type` ClickHouse sends with each. */
import { SqlError } from './errors.ts';

/** Formats that read schema or template files named by settings; refused even though readers cannot set those settings. */
const DENIED = /^(Template|TemplateIgnoreSpaces|Protobuf|ProtobufList|ProtobufSingle|CapnProto)$/i;

/** Throws for a format name that is not a plain identifier or that could read files. */
export function checkFormat(format: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(format)) throw SqlError.of('UNKNOWN_FORMAT', `Unknown format ${JSON.stringify(format)}`);
  if (DENIED.test(format)) throw SqlError.of('ACCESS_DENIED', `Not enough privileges: format ${format} is not allowed here`);
}

/** The `Content-Type` ClickHouse's HTTP interface sends for a format. */
export function contentType(format: string): string {
  const f = format.toLowerCase();
  if (f.startsWith('tabseparated') || f.startsWith('tsv')) return 'text/tab-separated-values; charset=UTF-8';
  if (f.startsWith('csv')) return `text/csv; charset=UTF-8; header=${f === 'csv' ? 'absent' : 'present'}`;
  if (f.startsWith('json') || f === 'ndjson' || f.startsWith('prettyjson')) return f === 'json' || f === 'jsoncompact' || f === 'jsonstrings' || f.startsWith('jsoncolumns') || f === 'jsoncompactcolumns' ? 'application/json; charset=UTF-8' : 'application/x-ndjson; charset=UTF-8';
  if (f.startsWith('pretty') || f === 'vertical' || f === 'markdown' || f === 'md' || f === 'values' || f === 'tskv' || f.startsWith('lineasstring')) return 'text/plain; charset=UTF-8';
  if (f === 'xml') return 'application/xml; charset=UTF-8';
  return 'application/octet-stream';
}
