/**
 * `Native` as ClickHouse's HTTP interface writes it for a `client_protocol_version`: the embedded
 * engine writes the format at revision 0 (no block info, no serialization flag per column), while
 * clickhouse-go (Grafana's ClickHouse data source over HTTP) reads it at the revision it sent.
 * This re-frames each block: block info before it, a "no custom serialization" byte after each
 * column's type. Column data is copied as is; it is walked only to find where each column ends.
 */

/** First revision whose blocks carry a custom-serialization flag per column (ProtocolDefines.h). */
const CUSTOM_SERIALIZATION = 54454;
/** Block info: field 1 is_overflows = 0, field 2 bucket_num = -1, end. */
const BLOCK_INFO = Buffer.from([1, 0, 2, 0xff, 0xff, 0xff, 0xff, 0]);

export function nativeAtRevision(body: Buffer, revision: number): Buffer {
  if (revision <= 0) return body;
  const out: Buffer[] = [];
  const r = new Reader(body);
  while (!r.done()) {
    const start = r.pos;
    const columns = r.varint();
    const rows = r.varint();
    out.push(BLOCK_INFO, body.subarray(start, r.pos));
    for (let c = 0; c < columns; c++) {
      const headerStart = r.pos;
      r.skip(r.varint());
      const type = r.string();
      out.push(body.subarray(headerStart, r.pos));
      if (revision >= CUSTOM_SERIALIZATION) out.push(Buffer.from([0]));
      const dataStart = r.pos;
      // Serialization prefixes of every nested column come first (LowCardinality: its key version), then the data.
      skipPrefixes(r, type);
      skipColumn(r, type, rows);
      out.push(body.subarray(dataStart, r.pos));
    }
  }
  return Buffer.concat(out);
}

const FIXED: Record<string, number> = {
  UInt8: 1, Int8: 1, Bool: 1, Nothing: 1, UInt16: 2, Int16: 2, Date: 2, BFloat16: 2, UInt32: 4, Int32: 4, Float32: 4, Date32: 4,
  DateTime: 4, IPv4: 4, UInt64: 8, Int64: 8, Float64: 8, UInt128: 16, Int128: 16, UUID: 16, IPv6: 16, UInt256: 32, Int256: 32,
  Decimal32: 4, Decimal64: 8, Decimal128: 16, Decimal256: 32, DateTime64: 8, Enum8: 1, Enum16: 2, Time: 4, Time64: 8,
};

function parseType(type: string): { name: string; args: string[] } {
  const open = type.indexOf('(');
  return { name: open < 0 ? type : type.slice(0, open), args: open < 0 ? [] : splitArgs(type.slice(open + 1, -1)) };
}

function skipPrefixes(r: Reader, type: string): void {
  const { name, args } = parseType(type);
  if (name === 'LowCardinality') r.skip(8);
  else if (name === 'Nullable' || name === 'Array' || name === 'Map' || name === 'Tuple' || name === 'SimpleAggregateFunction') {
    const nested = name === 'Array' || name === 'Nullable' ? [args[0]] : name === 'SimpleAggregateFunction' ? [args[args.length - 1]] : args;
    for (const arg of nested) skipPrefixes(r, tupleElement(arg));
  }
}

/**
 * LowCardinality data (SerializationLowCardinality): UInt64 flags (index width in the low byte,
 * bit 9: additional keys follow), the keys as a column of the dictionary type, then the indexes.
 */
function skipLowCardinality(r: Reader, inner: string, rows: number): void {
  if (rows === 0) return;
  const flags = r.uint64();
  if (flags & (1 << 9)) {
    const keys = r.uint64();
    skipColumn(r, inner.replace(/^Nullable\((.*)\)$/, '$1'), keys);
  }
  const indexes = r.uint64();
  r.skip(indexes * [1, 2, 4, 8][flags & 0xff]);
}

function tupleElement(arg: string): string {
  return arg.replace(/^[A-Za-z_][A-Za-z0-9_]* (?=[A-Z])/, '');
}

function skipColumn(r: Reader, type: string, rows: number): void {
  const { name, args } = parseType(type);
  if (name === 'LowCardinality') skipLowCardinality(r, args[0], rows);
  else if (name === 'String') {
    for (let i = 0; i < rows; i++) r.skip(r.varint());
  } else if (name === 'FixedString') r.skip(Number(args[0]) * rows);
  else if (name === 'Decimal') r.skip(decimalSize(Number(args[0])) * rows);
  else if (name in FIXED) r.skip(FIXED[name] * rows);
  else if (name === 'Nullable') {
    r.skip(rows);
    skipColumn(r, args[0], rows);
  } else if (name === 'Array' || name === 'Map') {
    const total = rows === 0 ? 0 : r.offsetAt(rows - 1);
    r.skip(8 * rows);
    for (const arg of name === 'Map' ? args : [args[0]]) skipColumn(r, arg, total);
  } else if (name === 'Tuple') {
    for (const arg of args) skipColumn(r, tupleElement(arg), rows);
  } else if (name === 'SimpleAggregateFunction') skipColumn(r, args[args.length - 1], rows);
  else throw new Error(`Native for clickhouse-go: columns of type ${type} are not supported by this endpoint; cast them (toString, CAST) or ask for another format`);
}

function decimalSize(precision: number): number {
  return precision <= 9 ? 4 : precision <= 18 ? 8 : precision <= 38 ? 16 : 32;
}

/** Top-level comma-separated arguments of a type (`String, Array(UInt8)` → two). */
function splitArgs(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" && text[i - 1] !== '\\') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  args.push(text.slice(start).trim());
  return args;
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('Native: truncated block');
      const byte = this.buf[this.pos++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  }
  string(): string {
    const length = this.varint();
    const text = this.buf.toString('utf8', this.pos, this.pos + length);
    this.skip(length);
    return text;
  }
  skip(bytes: number): void {
    this.pos += bytes;
    if (this.pos > this.buf.length) throw new Error('Native: truncated block');
  }
  uint64(): number {
    const value = Number(this.buf.readBigUInt64LE(this.pos));
    this.skip(8);
    return value;
  }
  /** The UInt64 array offset of row `i` from here (offsets fit in 2^53). */
  offsetAt(i: number): number {
    return Number(this.buf.readBigUInt64LE(this.pos + 8 * i));
  }
}
