import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { benchSpans } from './spans.ts';

/** Shared by every pool in the process, so no two requests carry the same IDs. */
let nextSeq = 1;

/** One pre-serialized `ExportTraceServiceRequest` and where its IDs sit in the bytes. */
interface Template {
  body: Buffer;
  /** Offsets of every trace_id, span_id and parent_span_id; their first 4 bytes get a sequence number. */
  idOffsets: Uint32Array;
}

function findIdOffsets(body: Buffer, ids: string[]): Uint32Array {
  const offsets: number[] = [];
  let from = 0;
  for (const id of ids) {
    const at = body.indexOf(Buffer.from(id, 'hex'), from);
    if (at < 0) throw new Error(`bench: ID ${id} not found in the serialized request`);
    offsets.push(at);
    from = at + 1;
  }
  return Uint32Array.from(offsets);
}

/**
 * Distinct OTLP protobuf requests of `spansPerRequest` spans, built once by the official
 * serializer. `next()` stamps a fresh sequence number into every trace, span and parent ID before
 * handing a body out, so every request the gateway sees carries IDs it has not seen before — at
 * the cost of a few thousand byte writes, not a re-serialization.
 */
export class RequestPool {
  private readonly templates: Template[] = [];
  private cursor = 0;

  constructor(
    readonly spansPerRequest: number,
    size: number,
  ) {
    for (let t = 0; t < size; t++) {
      const spans = benchSpans(spansPerRequest, t);
      const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
      const ids: string[] = [];
      for (const s of spans) {
        ids.push(s.spanContext().traceId, s.spanContext().spanId);
        if (s.parentSpanContext) ids.push(s.parentSpanContext.spanId);
      }
      this.templates.push({ body, idOffsets: findIdOffsets(body, ids) });
    }
  }

  get bytesPerRequest(): number {
    return this.templates[0].body.length;
  }

  /**
   * The next request with fresh IDs. The buffer is reused after `size` calls, so a caller must be
   * done with it by then (each sender owns its own pool).
   */
  next(): Buffer {
    const t = this.templates[this.cursor];
    this.cursor = (this.cursor + 1) % this.templates.length;
    const seq = nextSeq++ >>> 0;
    for (const off of t.idOffsets) t.body.writeUInt32BE(seq, off);
    return t.body;
  }
}
