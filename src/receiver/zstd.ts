import { Decompress } from 'fzstd';

/*
 * Zstandard request bodies (RFC 8878), as the Collector's `otlphttp` exporter sends with
 * `compression: zstd`. Node 20's zlib has no zstd, so frames are decoded by fzstd, block by block:
 * every block (at most 128 KiB of output) is counted before the next is decoded, so a zstd bomb is
 * refused after `maxBytes` of output, never inflated whole.
 *
 * Before decoding, the frames are walked through their block headers (no decoding), which checks
 * their structure and catches what fzstd would allocate or trust blindly: a window it would
 * allocate before producing a byte, declared content sizes already over the limit, a dictionary it
 * does not have. Checksums (XXH64) are not verified: a corrupt body fails protobuf or JSON decoding.
 */

/** Why a zstd body was refused: `corrupt` is a 400, `too_large` a 413. */
export class ZstdError extends Error {
  override name = 'ZstdError';
  constructor(
    message: string,
    readonly reason: 'corrupt' | 'too_large',
  ) {
    super(message);
  }
}

/**
 * The largest window accepted from a frame that does not declare its size in its header: RFC 8878
 * §3.1.1.1.2 asks decoders to support 8 MiB, which every encoder's default levels stay within.
 */
export const MAX_ZSTD_WINDOW_BYTES = 8 * 1024 * 1024;

const ZSTD_MAGIC = 0xfd2fb528;
const MAX_BLOCK_BYTES = 128 * 1024;

interface Frame {
  start: number;
  end: number;
  /** False for skippable frames (metadata, no content). */
  content: boolean;
  /** The most one block may produce: min(window, 128 KiB). */
  maxBlock: number;
  /** The content size the header declares, when it does. */
  contentSize?: number;
}

/** Decompresses a zstd body of one or more frames; throws {@link ZstdError} past `maxBytes` of output or on bad data. */
export function zstdDecompress(raw: Uint8Array, maxBytes: number): Buffer {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (const frame of walkFrames(raw, maxBytes)) {
    if (!frame.content) continue;
    let produced = 0;
    const decoder = new Decompress((block) => {
      // fzstd trusts the sequences it decodes: a corrupt block can produce more than a block may.
      if (block.length > frame.maxBlock) throw new ZstdError(`corrupt zstd block in the frame at byte ${frame.start} (${block.length} bytes out, at most ${frame.maxBlock})`, 'corrupt');
      produced += block.length;
      total += block.length;
      if (total > maxBytes) throw new ZstdError(`zstd body inflates past ${maxBytes} bytes`, 'too_large');
      // fzstd hands out views of its window, which the next block overwrites.
      if (block.length) chunks.push(block.slice());
    });
    try {
      decoder.push(raw.subarray(frame.start, frame.end), true);
    } catch (err) {
      if (err instanceof ZstdError) throw err;
      throw new ZstdError(`corrupt zstd frame at byte ${frame.start}: ${(err as Error).message}`, 'corrupt');
    }
    if (frame.contentSize !== undefined && produced !== frame.contentSize) {
      throw new ZstdError(`corrupt zstd frame at byte ${frame.start}: ${produced} bytes decoded, its header says ${frame.contentSize}`, 'corrupt');
    }
  }
  return Buffer.concat(chunks, total);
}

/** The frames of `raw`, checked for structure, window and declared size without decoding a block. */
function walkFrames(raw: Uint8Array, maxBytes: number): Frame[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const frames: Frame[] = [];
  let declared = 0;
  let at = 0;
  const need = (n: number, what: string) => {
    if (at + n > raw.length) throw new ZstdError(`truncated zstd ${what} at byte ${at} (body is ${raw.length} bytes)`, 'corrupt');
  };
  if (raw.length === 0) throw new ZstdError('empty zstd body', 'corrupt');
  while (at < raw.length) {
    const start = at;
    need(4, 'frame');
    const magic = view.getUint32(at, true);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      need(8, 'skippable frame');
      at += 8 + view.getUint32(at + 4, true);
      need(0, 'skippable frame');
      frames.push({ start, end: at, content: false, maxBlock: 0 });
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw new ZstdError(`not a zstd frame at byte ${at} (magic number 0x${magic.toString(16)})`, 'corrupt');
    at += 4;
    need(1, 'frame header');
    const descriptor = raw[at++];
    const sizeFlag = descriptor >> 6;
    const singleSegment = (descriptor >> 5) & 1;
    const hasChecksum = (descriptor >> 2) & 1;
    const dictFlag = descriptor & 3;
    if (descriptor & 8) throw new ZstdError(`invalid zstd frame header at byte ${start} (reserved bit set)`, 'corrupt');
    let window = 0;
    if (!singleSegment) {
      need(1, 'frame header');
      const w = raw[at++];
      const base = 2 ** (10 + (w >> 3));
      window = base + (base / 8) * (w & 7);
    }
    const dictBytes = [0, 1, 2, 4][dictFlag];
    need(dictBytes, 'frame header');
    let dictId = 0;
    for (let i = 0; i < dictBytes; i++) dictId += raw[at + i] * 2 ** (8 * i);
    at += dictBytes;
    if (dictId !== 0) throw new ZstdError(`zstd frame at byte ${start} needs dictionary ${dictId}; dictionaries are not supported`, 'corrupt');
    const sizeBytes = [singleSegment, 2, 4, 8][sizeFlag];
    need(sizeBytes, 'frame header');
    let contentSize: number | undefined;
    if (sizeBytes > 0) {
      contentSize = 0;
      for (let i = 0; i < sizeBytes; i++) contentSize += raw[at + i] * 2 ** (8 * i);
      if (sizeBytes === 2) contentSize += 256;
      at += sizeBytes;
      declared += contentSize;
      if (declared > maxBytes) throw new ZstdError(`zstd body declares ${declared} bytes of content, over the ${maxBytes}-byte limit`, 'too_large');
    }
    if (singleSegment) window = contentSize!;
    else if (window > MAX_ZSTD_WINDOW_BYTES) {
      throw new ZstdError(`zstd frame at byte ${start} needs a ${window}-byte window; at most ${MAX_ZSTD_WINDOW_BYTES} is supported`, 'corrupt');
    }
    const maxBlock = Math.min(MAX_BLOCK_BYTES, window);
    for (let last = 0; !last; ) {
      need(3, 'block header');
      const header = raw[at] | (raw[at + 1] << 8) | (raw[at + 2] << 16);
      at += 3;
      last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw new ZstdError(`invalid zstd block at byte ${at - 3} (reserved block type)`, 'corrupt');
      if (size > maxBlock) throw new ZstdError(`invalid zstd block at byte ${at - 3} (${size} bytes, above the frame's block size)`, 'corrupt');
      const stored = type === 1 ? 1 : size;
      need(stored, 'block');
      at += stored;
    }
    if (hasChecksum) {
      need(4, 'frame checksum');
      at += 4;
    }
    frames.push({ start, end: at, content: true, maxBlock, contentSize });
  }
  return frames;
}
