import { ProtoReader } from '../../src/receiver/otlp/protobuf/reader.ts';

/**
 * Reads Tempo's `TraceByIDResponse` wrapper (tempo.proto: `Trace trace = 1; TraceByIDMetrics
 * metrics = 2; PartialStatus status = 3; string message = 4;`). The trace inside has the wire
 * shape of OTLP `TracesData` (`repeated ResourceSpans = 1`), for the receiver's OTLP decoder,
 * which is cross-checked against the official OpenTelemetry encoders.
 */
export function readTraceByIdResponse(bytes: Uint8Array): { trace: Uint8Array; status: number; message: string } {
  const out: { trace: Uint8Array; status: number; message: string } = { trace: new Uint8Array(), status: 0, message: '' };
  const reader = new ProtoReader(bytes);
  while (reader.pos < reader.end) {
    const tag = reader.tag();
    if (tag === ((1 << 3) | 2)) out.trace = reader.bytes();
    else if (tag === ((3 << 3) | 0)) out.status = reader.uint32();
    else if (tag === ((4 << 3) | 2)) out.message = reader.string();
    else reader.skip(tag);
  }
  return out;
}
