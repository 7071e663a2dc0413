/**
 * Micro-benchmark (not a test): µs per span to decode a 1000-span OTLP request with 15
 * attributes per span. Run with `npx tsx src/receiver/otlp/decode.bench.ts`.
 */
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { decodeTracesJson, decodeTracesProtobuf } from './index.ts';
import { benchSpans } from './fixtures/bench-request.ts';

const SPANS = 1000;
const ROUNDS = 400;
const spans = benchSpans(SPANS);

function measure(label: string, body: Uint8Array, decode: (b: Uint8Array) => unknown): void {
  for (let i = 0; i < 50; i++) decode(body); // warm up the JIT
  const perRound: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = process.hrtime.bigint();
    decode(body);
    perRound.push(Number(process.hrtime.bigint() - t0) / 1000 / SPANS);
  }
  perRound.sort((a, b) => a - b);
  const median = perRound[Math.floor(ROUNDS / 2)];
  const min = perRound[0];
  console.log(
    `${label}: ${median.toFixed(2)} µs/span median, ${min.toFixed(2)} best of ${ROUNDS}, ${(body.length / SPANS).toFixed(0)} B/span`,
  );
}

measure('protobuf', ProtobufTraceSerializer.serializeRequest(spans)!, decodeTracesProtobuf);
measure('json    ', JsonTraceSerializer.serializeRequest(spans)!, decodeTracesJson);
