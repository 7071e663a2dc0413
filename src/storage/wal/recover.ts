import { readFile } from 'node:fs/promises';
import { scanFrames, type ScannedFrames } from './frame.ts';
import type { LogFiles } from './files.ts';

/**
 * Reads a log file left by an earlier run. When its tail is torn or fails its checksum, the file
 * is cut at the last whole frame (and fsynced), so every later reader sees the same frames and the
 * cut is reported once, here.
 */
export async function recoverFile(files: LogFiles, path: string, maxPayloadBytes: number): Promise<ScannedFrames> {
  const scanned = scanFrames(await readFile(path), maxPayloadBytes);
  if (scanned.cut) {
    const handle = await files.open(path, 'r+');
    try {
      await handle.truncate(scanned.validBytes);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }
  return scanned;
}
