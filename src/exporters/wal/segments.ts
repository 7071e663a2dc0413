import { randomBytes } from 'node:crypto';

/**
 * A segment of a table's write-ahead log: one file `<seq>-<id>.wal` of frames, each frame one
 * Native block of the table's rows. The name is the segment's identity for ever: the insert
 * deduplication token is derived from it, so inserting the same segment again (after a crash
 * between the insert's commit and the file's deletion) stores nothing twice.
 */
export interface Segment {
  readonly seq: number;
  readonly name: string;
  readonly path: string;
  /** Rows and bytes acknowledged in it (frames included). */
  rows: number;
  bytes: number;
  /** When its first frame was appended (ms), for the backlog's oldest age. */
  firstAppendMs: number;
}

export const segmentPattern = /^(\d{12})-([0-9a-f]{16})\.wal$/;

export function segmentName(seq: number): string {
  return `${String(seq).padStart(12, '0')}-${randomBytes(8).toString('hex')}.wal`;
}

/** The deduplication token of a segment's insert into `table`: stable across restarts. */
export function insertToken(table: string, segment: Pick<Segment, 'name'>): string {
  return `otelhouse-wal-${table}-${segment.name.slice(0, -'.wal'.length)}`;
}

/** The two varints a Native block starts with: its column count, then its row count. */
function nativeHeader(block: Uint8Array): { columns: number; rows: number } {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (at >= block.length) throw new Error('Native block header cut short');
      const byte = block[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  const columns = varint();
  return { columns, rows: varint() };
}

/** Rows in a Native block: the second varint of its header (columns, then rows). */
export function nativeRows(block: Uint8Array): number {
  return nativeHeader(block).rows;
}

/** Columns in a Native block: the first varint of its header. */
export function nativeColumns(block: Uint8Array): number {
  return nativeHeader(block).columns;
}
