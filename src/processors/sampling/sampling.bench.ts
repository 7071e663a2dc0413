/**
 * Micro-benchmark (not a test) of the `sampling` processor: µs per span on 1000-span batches of
 * 15 attributes, each decoded from OTLP/protobuf just before it is sampled — as in the gateway,
 * where a request is decoded and then processed — with random trace IDs. Prints wall time per
 * batch (median, best) and CPU time (mean, GC included). The last lines add the redaction
 * processor (defaults) in front, for the shared 3 µs/span budget. On a busy machine the median
 * and mean drift up with other processes; the best round is the closest to the code's own cost.
 *
 *   npx tsx src/processors/sampling/sampling.bench.ts   (BENCH_ONLY=<label part>, BENCH_ROUNDS=<n>)
 */
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { TraceBatch } from '../../batch/types.ts';
import { decodeTracesProtobuf } from '../../receiver/otlp/index.ts';
import { benchSpans } from '../../receiver/otlp/fixtures/bench-request.ts';
import type { Processor } from '../processor.ts';
import { buildProcessors } from '../registry.ts';
import { idSource } from '../../batch/testing.ts';
import { recorder } from '../testing.ts';

const SPANS = 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
/** Only the scenarios whose label contains this. */
const only = process.env.BENCH_ONLY ?? '';
const body = ProtobufTraceSerializer.serializeRequest(benchSpans(SPANS))!;
const ids = idSource(3);

let sink = 0;

/**
 * A freshly decoded batch with random trace IDs, so rates keep their share. `warm`: its
 * attributes walked once first, as the redaction processor in front leaves them — otherwise the
 * first touch of each attribute map is a cache miss (~0.1 µs) charged to whoever comes first.
 */
function decoded(traceState: boolean, warm: boolean): TraceBatch {
  const batch = decodeTracesProtobuf(body).batch;
  for (const span of batch.resources[0].scopes[0].records) {
    span.traceId = ids(32);
    if (traceState) span.traceState = `ot=th:c;rv:${ids(14)},vendor=abc`;
    if (warm) span.attributes.forEach((_, key) => (sink += key.length));
  }
  return batch;
}

function measure(label: string, entries: { type: string; [option: string]: unknown }[], { traceState = false, warm = true } = {}): void {
  if (!label.includes(only)) return;
  const processors: Processor[] = buildProcessors(entries);
  const report = recorder();
  const run = (batch: TraceBatch) => {
    let b = batch;
    for (const p of processors) b = p.process(b, report) as TraceBatch;
  };
  for (let i = 0; i < 50; i++) run(decoded(traceState, warm)); // warm up the JIT
  const perRound: number[] = [];
  let cpu = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const batch = decoded(traceState, warm);
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    run(batch);
    perRound.push(Number(process.hrtime.bigint() - t0) / 1000 / SPANS);
    const c = process.cpuUsage(c0);
    cpu += c.user + c.system;
  }
  perRound.sort((a, b) => a - b);
  console.log(`${label.padEnd(48)} ${perRound[ROUNDS >> 1].toFixed(3)} µs/span median wall, ${perRound[0].toFixed(3)} best, ${(cpu / ROUNDS / SPANS).toFixed(3)} CPU mean`);
}

const sampling = (options: Record<string, unknown> = {}) => ({ type: 'sampling', ...options });
measure('100%, no rules (pass-through)', [sampling()]);
measure('10%', [sampling({ percentage: 10 })]);
measure('10%, rules per service and span name', [sampling({
  percentage: 10,
  rules: [{ service: 'checkout', spanName: '^GET /health', percentage: 1 }, { service: 'search', percentage: 50 }, { spanName: 'orders', percentage: 25 }],
})]);
measure('10%, drop rule on an attribute pattern', [sampling({ percentage: 10, dropRules: [{ attribute: { key: 'url.path', pattern: '^/metrics' } }] })]);
measure('10% over incoming ot=th:c;rv:… (proportional)', [sampling({ percentage: 10 })], { traceState: true });
measure('10%, cold: straight after decoding', [sampling({ percentage: 10 })], { warm: false });
measure('redaction (defaults) + sampling 10%, cold', [{ type: 'redaction' }, sampling({ percentage: 10 })], { warm: false });
measure('redaction (defaults) alone, cold', [{ type: 'redaction' }], { warm: false });
