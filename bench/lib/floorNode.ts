/**
 * A floor for the Node service overhead bench (issue 14, point 9): the least a Node SDK does to log
 * each request while keeping issue 13's rules — each record made as OTLP/JSON text, appended to a
 * file and fdatasync'ed (one write per commit, 0.8 s after the first unsaved record) before it is
 * sent, sent gzip'ed (the fastest level, as the SDK) in batches of at most 512 records, one request
 * at a time, and marked acknowledged in the file. Nothing else: no queue bounds, eviction, retries, sessions, config,
 * redaction, sampling, compaction or recovery. A measuring stick, not an SDK.
 */
import { mkdir, open } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { constants, gzip } from 'node:zlib';

import { exportJson, logRecordJson } from './floorOtlp.ts';

const PERSIST_MS = 800;
const BATCH_RECORDS = 512;
const gzipText = promisify(gzip);
/** gzip's fastest level, as the SDK sends. */
const GZIP = { level: constants.Z_BEST_SPEED };

export function floorLogger(endpoint: string, dir: string, service: string): { log: (message: string, attributes: Record<string, string | number>) => void; shutdown: () => Promise<void> } {
  const file = mkdir(dir, { recursive: true }).then(() => open(join(dir, 'floor.log'), 'a'));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL('/v1/logs', endpoint);
  let unsaved: string[] = [];
  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  let chain = Promise.resolve();

  const post = (body: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length } }, (res) =>
        res.resume().on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`the endpoint answered ${res.statusCode}`)))),
      );
      req.on('error', reject).end(body);
    });

  async function commit(records: string[]): Promise<void> {
    const first = seq + 1;
    seq += records.length;
    const fh = await file;
    await fh.write(`{"put":${first},"records":[${records.join(',')}]}\n`);
    await fh.datasync();
    for (let at = 0; at < records.length; at += BATCH_RECORDS) {
      const batch = records.slice(at, at + BATCH_RECORDS);
      await post(await gzipText(exportJson('logs', service, batch), GZIP));
      await fh.write(`{"acknowledged":${first + at + batch.length - 1}}\n`);
    }
  }

  const persist = () => {
    timer = undefined;
    const records = unsaved;
    unsaved = [];
    // A floor that stopped writing or sending would measure less than the rule costs: it stops the service instead.
    chain = chain.then(() => commit(records)).catch((err: unknown) => {
      console.error('floor logger failed:', err);
      process.exit(1);
    });
  };

  return {
    log(message, attributes) {
      unsaved.push(logRecordJson(9, 'INFO', message, attributes));
      timer ??= setTimeout(persist, PERSIST_MS);
    },
    async shutdown() {
      if (timer) {
        clearTimeout(timer);
        persist();
      }
      await chain;
      await (await file).close();
      agent.destroy();
    },
  };
}
