/**
 * Carries out erasure requests, one at a time, in the background: every row that carries the
 * subject is deleted with ClickHouse's lightweight `DELETE` (rows disappear from reads at once and
 * from disk at the next merge), table by table, counted first; the issue aggregates the deleted
 * error events fed are rebuilt from the events that remain, so an issue never goes on counting
 * erased events. A request interrupted by a restart runs again from the start (every step is a
 * delete of what matches: running it twice removes nothing more).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import type { AuditLog } from '../../storage/clickhouse/audit.ts';
import { controlPlaneTableNames, qualified } from '../../storage/clickhouse/schema/controlPlane.ts';
import { controlTableNames, metricTableNames } from '../../storage/clickhouse/schema/options.ts';
import { renderTemplate } from '../../storage/clickhouse/schema/render.ts';
import { identifierColumn, subjectTables, type Erasure, type Subject } from './model.ts';
import type { ErasureStore } from './store.ts';

export interface ErasureTables {
  database: string;
  traces: string;
  logs: string;
  /** The metrics tables' prefix. */
  metrics: string;
}

export interface RunnerDeps {
  client: ClickHouseClient;
  store: ErasureStore;
  audit: Pick<AuditLog, 'write'>;
  tables: ErasureTables;
  /** The subject's value as each configured `hash` redaction stores it (`hmac:…`), matched too. */
  hashes: (value: string) => string[];
  /** Resolves once everything acknowledged so far is in ClickHouse (the write-ahead log inserted): deleted after it, not before. */
  flush: () => Promise<boolean>;
  logger: Logger;
  now?: () => number;
}

export class ErasureRunner {
  private chain: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly deps: RunnerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Queues a request; resolves when it (and those before it) has run. */
  enqueue(erasure: Erasure): Promise<void> {
    this.chain = this.chain.then(() => this.run(erasure)).catch(() => {});
    return this.chain;
  }

  /** Resolves once every queued request has run. */
  idle(): Promise<void> {
    return this.chain;
  }

  private async run(erasure: Erasure): Promise<void> {
    const { store, audit, logger } = this.deps;
    let current: Erasure = { ...erasure, status: 'running', startedAt: this.now(), rowsRemoved: {}, error: '' };
    await store.put(current);
    try {
      // Records acknowledged before the request may still wait in the write-ahead log.
      if (!(await this.deps.flush())) throw new Error('the write-ahead log was not inserted in time; the erasure will run again');
      const rowsRemoved = await this.erase(current.subject);
      current = { ...current, status: 'done', rowsRemoved, finishedAt: this.now() };
    } catch (err) {
      logger.error({ err, erasure: erasure.id }, 'erasure failed');
      current = { ...current, status: 'failed', error: (err as Error).message.slice(0, 1000), finishedAt: this.now() };
    }
    await store.put(current);
    await audit.write({ actor: 'system', action: `erasure.${current.status === 'done' ? 'complete' : 'fail'}`, entityType: 'erasure', entityId: current.id, before: null, after: view(current) });
  }

  /** Deletes the subject everywhere; rows removed per table. */
  private async erase(subject: Subject): Promise<Record<string, number>> {
    const { client, tables } = this.deps;
    const db = tables.database;
    const params = { key: subject.key, values: [subject.value, ...this.deps.hashes(subject.value)] };
    const removed: Record<string, number> = {};
    const count = async (table: string, where: string): Promise<number> => {
      const result = await client.query({ query: `SELECT count() AS n FROM ${qualified(db, table)} WHERE ${where}`, format: 'JSONEachRow', query_params: params });
      return Number((await result.json<{ n: string }>())[0]?.n ?? 0);
    };
    const remove = async (table: string, where: string): Promise<void> => {
      const n = await count(table, where);
      if (n > 0) await client.command({ query: `DELETE FROM ${qualified(db, table)} WHERE ${where}`, query_params: params });
      removed[table] = n;
    };

    const errors = controlTableNames.errorEvents;
    const where = subjectTables(subject, { traces: tables.traces, logs: tables.logs, metrics: Object.values(metricTableNames(tables.metrics)), errorEvents: errors });
    for (const { table, where: condition } of where) if (table !== errors) await remove(table, condition);

    // Error events, then the issue aggregates they fed, rebuilt from the events left.
    const condition = where.find((w) => w.table === errors)!.where;
    const result = await client.query({ query: `SELECT DISTINCT Fingerprint FROM ${qualified(db, errors)} WHERE ${condition}`, format: 'JSONEachRow', query_params: params });
    const fingerprints = (await result.json<{ Fingerprint: string }>()).map((r) => r.Fingerprint);
    await remove(errors, condition);
    if (fingerprints.length > 0) {
      for (const [target, view] of [[controlTableNames.issueStats, 'issue_stats_mv_v5'], [controlTableNames.issueDaily, 'issue_daily_mv_v5']] as const) {
        await client.command({ query: `DELETE FROM ${qualified(db, target)} WHERE Fingerprint IN {fingerprints:Array(String)}`, query_params: { fingerprints } });
        await client.command({ query: rebuildSql(db, view, target, errors), query_params: { fingerprints } });
        removed[target] = fingerprints.length;
      }
    }

    // Debug sessions opened for the subject (and their stats), and the clients policies preview.
    const sessionCondition = `${identifierColumn(subject) ?? 'UserId'} IN {values:Array(String)}`;
    const sessions = await client.query({ query: `SELECT DISTINCT Id FROM ${qualified(db, controlPlaneTableNames.debugSessions)} WHERE ${sessionCondition}`, format: 'JSONEachRow', query_params: params });
    const ids = (await sessions.json<{ Id: string }>()).map((r) => r.Id);
    await remove(controlPlaneTableNames.debugSessions, sessionCondition);
    if (ids.length) await client.command({ query: `DELETE FROM ${qualified(db, controlPlaneTableNames.debugSessionStats)} WHERE SessionId IN {ids:Array(String)}`, query_params: { ids } });
    if (subject.key === 'app.installation.id' || subject.key === 'device.id') await remove(controlPlaneTableNames.clientsSeen, 'ClientId IN {values:Array(String)}');
    return removed;
  }
}

/** The insert that recomputes an issue aggregate for `{fingerprints}` from the error events: the view's own SELECT. */
function rebuildSql(database: string, view: string, target: string, source: string): string {
  const create = renderTemplate(view, { database, onCluster: '', view: 'rebuild', target, source });
  const select = create.slice(create.indexOf('AS SELECT') + 3);
  const at = select.lastIndexOf('GROUP BY');
  return `INSERT INTO ${qualified(database, target)} ${select.slice(0, at)}WHERE Fingerprint IN {fingerprints:Array(String)}\n${select.slice(at)}`;
}

/** An erasure as the API shows it. */
export function view(e: Erasure) {
  const iso = (t: number) => (t > 0 ? new Date(t).toISOString() : null);
  return {
    id: e.id, subject: e.subject, status: e.status, rowsRemoved: e.rowsRemoved, error: e.error || undefined,
    requestedAt: iso(e.requestedAt), requestedBy: e.requestedBy, startedAt: iso(e.startedAt), finishedAt: iso(e.finishedAt), blockUntil: iso(e.blockUntil),
  };
}
