import { crc32 } from 'node:zlib';

/**
 * The framing every local log shares (the export stage's write-ahead log, tail sampling's hold
 * log): each record on disk is
 *
 *     u32 LE payload length | u32 LE CRC-32 of the payload | payload
 *
 * A crash can leave the last frame of a file torn (a short header or payload), and a disk can flip
 * bits; {@link scanFrames} reads the whole frames from the start and stops at the first one that is
 * short, empty or fails its checksum. Everything after that point is cut: a frame is acknowledged
 * only after it and every frame before it were fsynced, so what follows a bad frame was never
 * acknowledged (or, for a flipped bit in an acknowledged frame, can no longer be trusted to be
 * what was acknowledged, and is counted as cut).
 */

export const frameHeaderBytes = 8;

/** The 8-byte header of a frame holding `payload`. */
export function frameHeader(payload: Uint8Array): Buffer {
  const header = Buffer.allocUnsafe(frameHeaderBytes);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  return header;
}

/** Why a file's frames stopped before its end. */
export type CutReason = 'torn' | 'checksum';

export interface ScannedFrames {
  /** Payloads of the whole, valid frames, in order (views into the scanned buffer). */
  payloads: Buffer[];
  /** Bytes from the start of the file up to the end of the last valid frame. */
  validBytes: number;
  /** Set when bytes follow the last valid frame: how many, and why they were not read. */
  cut?: { bytes: number; reason: CutReason };
}

/**
 * Reads the frames of a whole file. A frame whose header or payload runs past the end is `torn`;
 * one whose length is zero or above `maxPayloadBytes` (a zero-filled or garbled tail) or whose
 * CRC-32 does not match is `checksum`. `verify: false` skips the CRC-32 (lengths are still
 * checked): for a file whose frames were verified already, at recovery or when written.
 */
export function scanFrames(data: Buffer, maxPayloadBytes: number, verify = true): ScannedFrames {
  const payloads: Buffer[] = [];
  let at = 0;
  let reason: CutReason | undefined;
  while (at < data.length) {
    if (data.length - at < frameHeaderBytes) {
      reason = 'torn';
      break;
    }
    const length = data.readUInt32LE(at);
    if (length === 0 || length > maxPayloadBytes) {
      reason = 'checksum';
      break;
    }
    const start = at + frameHeaderBytes;
    if (data.length - start < length) {
      reason = 'torn';
      break;
    }
    const payload = data.subarray(start, start + length);
    if (verify && crc32(payload) !== data.readUInt32LE(at + 4)) {
      reason = 'checksum';
      break;
    }
    payloads.push(payload);
    at = start + length;
  }
  return reason ? { payloads, validBytes: at, cut: { bytes: data.length - at, reason } } : { payloads, validBytes: at };
}
