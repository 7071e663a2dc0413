import { open, type FileHandle } from 'node:fs/promises';

/**
 * The file operations a local log uses. Real by default; tests pass a wrapper to see that every
 * acknowledgment follows an fsync (a SIGKILL cannot show it: the page cache survives the process),
 * or to fail writes as a full disk does.
 */
export interface LogFiles {
  open(path: string, flags: string): Promise<FileHandle>;
}

export const nodeFiles: LogFiles = { open: (path, flags) => open(path, flags) };

/** fsyncs a directory, so a file created or renamed in it survives a power loss. */
export async function syncDir(files: LogFiles, dir: string): Promise<void> {
  const handle = await files.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
