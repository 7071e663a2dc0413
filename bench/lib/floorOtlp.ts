/**
 * The OTLP/JSON the bench's floors (`floorSdk.ts` in a page, `floorNode.ts` in Node) make: a log
 * record's text, attributes, and an export request around records' texts. Written directly as text,
 * the least work there is; shared so both floors make the same records.
 */

export function attributesJson(attributes: Record<string, unknown> | undefined): string {
  let out = '';
  for (const key in attributes) {
    const v = attributes[key];
    const value = typeof v === 'number' && Number.isInteger(v) ? `{"intValue":"${v}"}` : typeof v === 'number' ? `{"doubleValue":${v}}` : `{"stringValue":${JSON.stringify(String(v))}}`;
    out += `${out ? ',' : ''}{"key":${JSON.stringify(key)},"value":${value}}`;
  }
  return `[${out}]`;
}

export function logRecordJson(severityNumber: number, severityText: string, message: string, attributes: Record<string, unknown> | undefined): string {
  const nanos = `${Date.now()}000000`;
  return `{"timeUnixNano":"${nanos}","observedTimeUnixNano":"${nanos}","severityNumber":${severityNumber},"severityText":"${severityText}","body":{"stringValue":${JSON.stringify(message)}},"attributes":${attributesJson(attributes)}}`;
}

/** An Export{Logs,Trace}ServiceRequest of records' texts under one resource (`service.name`) and one scope. */
export function exportJson(signal: 'logs' | 'traces', service: string, records: readonly string[]): string {
  const [outer, inner, list] = signal === 'logs' ? ['resourceLogs', 'scopeLogs', 'logRecords'] : ['resourceSpans', 'scopeSpans', 'spans'];
  return `{"${outer}":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":${JSON.stringify(service)}}}]},"${inner}":[{"scope":{"name":"floor"},"${list}":[${records.join(',')}]}]}]}`;
}
