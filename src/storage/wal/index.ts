/**
 * Local logs on disk, shared by the export stage's write-ahead log and tail sampling's hold log:
 * length-prefixed, checksummed frames; append-only files with group commit; recovery that cuts a
 * torn or corrupt tail at the last whole frame.
 */
export { AppendFile } from './appendFile.ts';
export { nodeFiles, syncDir, type LogFiles } from './files.ts';
export { frameHeader, frameHeaderBytes, scanFrames, type CutReason, type ScannedFrames } from './frame.ts';
export { recoverFile } from './recover.ts';
