import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppendFile } from './appendFile.ts';
import { scanFrames } from './frame.ts';
import { recoverFile } from './recover.ts';
import { spyFiles } from './testing.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'otelhouse-append-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const payload = (text: string) => Buffer.from(text);

describe('AppendFile', () => {
  it('fsyncs the directory when it creates the file, before any frame is acknowledged', async () => {
    const files = spyFiles();
    const file = await AppendFile.create(files, join(dir, 'a.log'));
    expect(files.events).toEqual([`sync ${dir}`]);
    await file.close();
  });

  it('acknowledges a frame only after a datasync that follows its write', async () => {
    const files = spyFiles();
    const path = join(dir, 'a.log');
    const file = await AppendFile.create(files, path);
    const seenAtAck: string[][] = [];
    await Promise.all(['a', 'bb', 'ccc'].map((t) => file.append(payload(t)).then(() => seenAtAck.push([...files.events]))));
    for (const events of seenAtAck) {
      const lastWrite = events.findLastIndex((e) => e.startsWith(`write ${path}`));
      const lastSync = events.findLastIndex((e) => e === `datasync ${path}`);
      expect(lastWrite).toBeGreaterThanOrEqual(0);
      expect(lastSync).toBeGreaterThan(lastWrite);
    }
    await file.close();
    expect(scanFrames(await readFile(path), 1024).payloads.map(String)).toEqual(['a', 'bb', 'ccc']);
  });

  it('shares one fsync among the appends that arrive during the previous one (group commit)', async () => {
    const files = spyFiles();
    const path = join(dir, 'a.log');
    const commits: number[] = [];
    const file = await AppendFile.create(files, path, (frames) => commits.push(frames));
    const appends = Array.from({ length: 50 }, (_, i) => file.append(payload(`frame ${i}`)));
    await Promise.all(appends);
    // The first append starts a commit at once; the 49 queued behind it go together in the next.
    expect(commits).toEqual([1, 49]);
    expect(files.events.filter((e) => e === `datasync ${path}`)).toHaveLength(2);
    await file.close();
    expect(scanFrames(await readFile(path), 1024).payloads).toHaveLength(50);
  });

  it('rejects the appends of a failed write (a full disk), cuts the file back, and takes later appends', async () => {
    const files = spyFiles();
    const path = join(dir, 'a.log');
    const file = await AppendFile.create(files, path);
    await file.append(payload('kept'));
    files.failWrites('ENOSPC');
    await expect(file.append(payload('refused'))).rejects.toMatchObject({ code: 'ENOSPC' });
    await file.append(payload('after'));
    await file.close();
    expect(scanFrames(await readFile(path), 1024).payloads.map(String)).toEqual(['kept', 'after']);
    expect(files.events).toContain(`truncate ${path} 12`);
  });

  it('refuses appends after close, and close waits for the appends under way', async () => {
    const file = await AppendFile.create(spyFiles(), join(dir, 'a.log'));
    const pending = file.append(payload('last'));
    await file.close();
    await pending;
    await expect(file.append(payload('late'))).rejects.toThrow(/closed/);
    expect(file.bytes).toBe(12);
  });

  it('refuses an append made once close began, even while the last round is still being synced', async () => {
    const files = spyFiles();
    const path = join(dir, 'a.log');
    const file = await AppendFile.create(files, path);
    const release = files.holdSyncs();
    const last = file.append(payload('last'));
    const closing = file.close();
    const late = file.append(payload('late')).then(() => 'acknowledged', (err: Error) => err.message);
    release();
    await Promise.all([last, closing]);
    expect(await late).toBe('a.log is closed');
    expect(scanFrames(await readFile(path), 1024).payloads.map(String)).toEqual(['last']);
  });

  it('leaves no handle open: not the directory it fsyncs, the closed file, nor a file recovery cut', async () => {
    const files = spyFiles();
    const path = join(dir, 'a.log');
    const file = await AppendFile.create(files, path);
    await file.append(payload('one'));
    await file.close();
    const { appendFile } = await import('node:fs/promises');
    await appendFile(path, Buffer.from([9, 0, 0]));
    expect((await recoverFile(files, path, 1024)).cut).toEqual({ bytes: 3, reason: 'torn' });
    expect(files.openHandles()).toEqual([]);
  });

  it('recovery cuts a torn tail off the file itself, so the next reader sees the same frames', async () => {
    const files = spyFiles();
    const path = join(dir, 'a.log');
    const file = await AppendFile.create(files, path);
    await file.append(payload('one'));
    await file.append(payload('two'));
    await file.close();
    const { appendFile } = await import('node:fs/promises');
    await appendFile(path, Buffer.from([9, 0, 0, 0, 1, 2]));
    const recovered = await recoverFile(files, path, 1024);
    expect(recovered.payloads.map(String)).toEqual(['one', 'two']);
    expect(recovered.cut).toEqual({ bytes: 6, reason: 'torn' });
    const again = await recoverFile(files, path, 1024);
    expect(again.cut).toBeUndefined();
    expect(again.payloads.map(String)).toEqual(['one', 'two']);
  });
});
