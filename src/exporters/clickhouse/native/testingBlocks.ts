/**
 * Test blocks that need no engine, apart from `testing.ts` (which opens one): tests that run in a
 * worker thread (Stryker's vitest runner) must not load the embedded engine's native addon, which
 * crashes the worker as it exits.
 */
import type { Occurrence } from '../../../issues/types.ts';
import { columnHeader } from './block.ts';
import { encodeErrorEventsNative, errorEventColumns } from './errorEvents.ts';

/**
 * An error-events block as a gateway before migration 5 wrote it: every column but the last,
 * `Occurrences` (fewer than 128 occurrences: the header's counts are one varint byte each).
 */
export function errorEventsBlockBeforeOccurrences(occurrences: readonly Occurrence[]): Uint8Array {
  const rows = occurrences.length;
  const { bytes } = encodeErrorEventsNative(occurrences);
  const last = columnHeader('Occurrences', 'UInt32').bytes.length + rows * 4;
  return Buffer.concat([Buffer.from([errorEventColumns.length - 1, rows]), bytes.subarray(2, bytes.length - last)]);
}

