import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppendFile } from './appendFile.ts';
import { scanFrames } from './frame.ts';
import { spyFiles } from './testing.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otelhouse-append-fail-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const payload = (text: string) => Buffer.from(text);
const framesIn = async (path: string) => scanFrames(await readFile(path), 1024);

describe('AppendFile on a failing disk', () => {
  it('refuses to create the file when its directory cannot be fsynced, and leaves no handle open', async () => {
    const files = spyFiles();
    files.failSyncs('EIO');
    await expect(AppendFile.create(files, join(dir, 'a.log'))).rejects.toMatchObject({ code: 'EIO' });
    expect(files.openHandles()).toEqual([]);
  });

  it('gives the file up when it cannot be cut back after a failed fdatasync, and refuses every later append', async () => {
    const files = spyFiles();
    const path = join(dir, 'a.log');
    const file = await AppendFile.create(files, path);
    await file.append(payload('kept'));
    // The round's fdatasync fails, and so does the one after cutting the file back.
    files.failSyncs('EIO', 2);
    const failed = file.append(payload('lost'));
    const queued = file.append(payload('queued behind it'));
    await expect(failed).rejects.toMatchObject({ code: 'EIO' });
    await expect(queued).rejects.toThrow('a.log is unusable after a failed write: EIO');
    expect(file.usable).toBe(false);
    await expect(file.append(payload('later'))).rejects.toThrow('a.log is unusable');
    expect(file.bytes).toBe(12);
    await file.close();
    expect((await framesIn(path)).payloads.map(String)).toEqual(['kept']);
  });

  it('finishes a write the disk took only in part before acknowledging it', async () => {
    const files = spyFiles();
    const path = join(dir, 'a.log');
    const file = await AppendFile.create(files, path);
    files.shortenNextWrite();
    await Promise.all([file.append(payload('first frame')), file.append(payload('second frame'))]);
    await file.append(payload('third frame'));
    await file.close();
    const scanned = await framesIn(path);
    expect(scanned.payloads.map(String)).toEqual(['first frame', 'second frame', 'third frame']);
    expect(scanned.cut).toBeUndefined();
    expect(file.bytes).toBe(scanned.validBytes);
  });
});
