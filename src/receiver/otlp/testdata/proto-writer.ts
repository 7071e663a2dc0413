/**
 * Test helper: builds protobuf bytes by hand (field by field), for payloads the official
 * serializers never produce — unknown fields, groups, wrong wire types, wrong ID lengths.
 */
export type Bytes = Uint8Array;

export function concat(...parts: Bytes[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function varint(value: number | bigint): Bytes {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

export function tag(field: number, wireType: number): Bytes {
  return varint((field << 3) | wireType);
}

export const VARINT = 0, I64 = 1, LEN = 2, SGROUP = 3, EGROUP = 4, I32 = 5;

/** A varint field (int32/int64/uint32/enum/bool). */
export function vint(field: number, value: number | bigint | boolean): Bytes {
  return concat(tag(field, VARINT), varint(typeof value === 'boolean' ? Number(value) : value));
}

/** A LEN field carrying raw bytes or an embedded message built from `parts`. */
export function len(field: number, ...parts: Bytes[]): Bytes {
  const body = concat(...parts);
  return concat(tag(field, LEN), varint(body.length), body);
}

export function str(field: number, s: string): Bytes {
  return len(field, new TextEncoder().encode(s));
}

export function hexBytes(field: number, hex: string): Bytes {
  return len(field, Uint8Array.from(Buffer.from(hex, 'hex')));
}

export function fixed64(field: number, value: bigint): Bytes {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, value, true);
  return concat(tag(field, I64), b);
}

export function double(field: number, value: number): Bytes {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, value, true);
  return concat(tag(field, I64), b);
}

export function fixed32(field: number, value: number): Bytes {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value, true);
  return concat(tag(field, I32), b);
}

/** KeyValue{key=1, value=2: AnyValue} as field `field` of the enclosing message. */
export function kv(field: number, key: string, anyValue: Bytes): Bytes {
  return len(field, str(1, key), len(2, anyValue));
}

/** AnyValue members (the contents of an AnyValue message). */
export const any = {
  string: (s: string): Bytes => str(1, s),
  bool: (b: boolean): Bytes => vint(2, b),
  int: (n: number | bigint): Bytes => vint(3, n),
  double: (n: number): Bytes => double(4, n),
  array: (...values: Bytes[]): Bytes => len(5, ...values.map((v) => len(1, v))),
  kvlist: (...kvs: Bytes[]): Bytes => len(6, ...kvs),
  bytes: (b: Bytes): Bytes => len(7, b),
};

/** ExportTraceServiceRequest with one resource and one scope holding `spans` (Span bodies). */
export function traceRequest(...spans: Bytes[]): Bytes {
  return len(1, len(1, kv(1, 'service.name', any.string('svc'))), len(2, len(1, str(1, 'scope')), ...spans.map((s) => len(2, s))));
}

/** ExportLogsServiceRequest with one resource and one scope holding `records` (LogRecord bodies). */
export function logsRequest(...records: Bytes[]): Bytes {
  return len(1, len(1, kv(1, 'service.name', any.string('svc'))), len(2, len(1, str(1, 'scope')), ...records.map((r) => len(2, r))));
}

export const TRACE_ID = '5b8efff798038103d269b633813fc60c';
export const SPAN_ID = 'eee19b7ec3c1b174';
export const PARENT_ID = 'eee19b7ec3c1b173';

/** A minimal valid Span body with the given name. */
export function spanBody(name: string, ...extra: Bytes[]): Bytes {
  return concat(hexBytes(1, TRACE_ID), hexBytes(2, SPAN_ID), str(5, name), ...extra);
}
