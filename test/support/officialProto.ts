import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const protoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/otlp-proto');

/** The official OTLP trace definitions and Tempo's wrappers, loaded with protobufjs from test/fixtures/otlp-proto. */
export async function officialTraceTypes(): Promise<{ traceByIdResponse: protobuf.Type; trace: protobuf.Type }> {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => resolve(protoRoot, target);
  await root.load('tempo-wrapper.proto');
  root.resolveAll();
  return { traceByIdResponse: root.lookupType('tempopb.TraceByIDResponse'), trace: root.lookupType('tempopb.Trace') };
}

/** A decoded message as plain values: 64-bit integers as decimal strings, bytes as lowercase hex, enums as numbers. */
export function plain(type: protobuf.Type, bytes: Uint8Array): Record<string, any> {
  const message = type.decode(bytes);
  const object = type.toObject(message, { longs: String, enums: Number, bytes: Array, defaults: false, arrays: true });
  return JSON.parse(JSON.stringify(object, (_k, v) => (Array.isArray(v) && v.every((x) => typeof x === 'number') && _k.endsWith('Id') ? Buffer.from(v).toString('hex') : v)));
}
