/**
 * Collection policies (issue 15, point 4): the list, and a form to create or edit one (targeting,
 * settings, schedule) with the "N of M clients seen would match" preview before saving, and each
 * policy's audit trail. Validation errors of the API are shown on their fields.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

import { api, ApiProblem } from './api.ts';
import { errorText, Head, Problem, inputValue } from './live.tsx';
import { when } from './format.ts';

interface Targeting { services?: string[]; platforms?: string[]; appVersions?: string; channels?: string[]; environments?: string[]; countries?: string[]; rolloutPercentage?: number }
interface Settings {
  telemetryEnabled?: boolean;
  minLogLevel?: string;
  sampling?: { tracesPercentage?: number; logsPercentage?: number; logsPerMinute?: number };
  sdk?: { maxBatchSize?: number; flushIntervalMs?: number; maxQueueSize?: number; pollIntervalMs?: number };
}
interface Policy { id: string; name: string; description: string; enabled: boolean; priority: number; targeting: Targeting; schedule: { startsAt: string | null; expiresAt: string | null }; settings: Settings; updatedAt: string; updatedBy: string }
interface AuditRecord { time: string; actor: string; action: string }

const LIST_FIELDS = [
  ['services', 'Services (service.name)'],
  ['platforms', 'Platforms (telemetry.sdk.language)'],
  ['channels', 'Release channels'],
  ['environments', 'Environments'],
  ['countries', 'Countries (ISO codes)'],
] as const;

function targetingText(t: Targeting): string {
  const parts = LIST_FIELDS.flatMap(([k]) => (t[k]?.length ? [`${k}: ${t[k]!.join(', ')}`] : []));
  if (t.appVersions) parts.push(`versions ${t.appVersions}`);
  if (t.rolloutPercentage !== undefined && t.rolloutPercentage < 100) parts.push(`${t.rolloutPercentage} % rollout`);
  return parts.join('; ') || 'every client';
}

function settingsText(s: Settings): string {
  const parts: string[] = [];
  if (s.telemetryEnabled === false) parts.push('telemetry off');
  if (s.minLogLevel) parts.push(`level ≥ ${s.minLogLevel}`);
  if (s.sampling?.tracesPercentage !== undefined) parts.push(`traces ${s.sampling.tracesPercentage} %`);
  if (s.sampling?.logsPercentage !== undefined) parts.push(`logs ${s.sampling.logsPercentage} %`);
  if (s.sampling?.logsPerMinute !== undefined) parts.push(`${s.sampling.logsPerMinute} logs/min per event`);
  if (s.sdk && Object.keys(s.sdk).length) parts.push('SDK settings');
  return parts.join(', ') || '—';
}

export function PolicyList() {
  const [policies, setPolicies] = useState<Policy[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    api<{ policies: Policy[] }>('/api/policies?limit=500')
      .then((p) => setPolicies(p.policies))
      .catch((err: unknown) => setError(errorText(err)));
  }, []);
  return (
    <section aria-labelledby="policies-title">
      <div class="title-row">
        <h1 id="policies-title">Collection policies</h1>
        <a class="button" href="#/policies/new">
          New policy
        </a>
      </div>
      <Problem error={error} />
      {policies?.length === 0 && <p class="muted">No policies: every client keeps the defaults.</p>}
      {policies && policies.length > 0 && (
        <table class="list">
          <Head columns={['Policy', 'On', ['Priority', 'num'], 'Applies to', 'Sets', 'Updated']} />
          <tbody>
            {policies.map((p) => (
              <tr data-policy={p.id}>
                <td>
                  <a href={`#/policies/${encodeURIComponent(p.id)}`}>{p.name}</a>
                </td>
                <td>{p.enabled ? 'yes' : 'no'}</td>
                <td class="num">{p.priority}</td>
                <td>{targetingText(p.targeting)}</td>
                <td>{settingsText(p.settings)}</td>
                <td>
                  {when(p.updatedAt)} by {p.updatedBy}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const splitList = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);
const numberOrUndefined = (text: string) => (text.trim() === '' ? undefined : Number(text));
/** An ISO instant as a `datetime-local` value in the browser's zone, and back. */
const toLocal = (iso: string | null) => (iso ? new Date(new Date(iso).getTime() - new Date(iso).getTimezoneOffset() * 60_000).toISOString().slice(0, 16) : '');
const fromLocal = (value: string) => (value ? new Date(value).toISOString() : null);

/** The form's field for an API field path (`targeting.countries.0` → `countries`). */
function fieldOf(path: string): string {
  const parts = path.split('.');
  if (parts[0] === 'targeting' || parts[0] === 'schedule') return parts[1] ?? parts[0];
  if (parts[0] === 'settings') return parts[parts[1] === 'sampling' || parts[1] === 'sdk' ? 2 : 1] ?? 'settings';
  return parts[0]!;
}

export function PolicyForm({ id }: { id?: string }) {
  const [loaded, setLoaded] = useState(id === undefined);
  const [values, setValues] = useState<Record<string, string>>({ name: '', description: '', priority: '0', rolloutPercentage: '100', telemetryEnabled: '', minLogLevel: '' });
  const [enabled, setEnabled] = useState(true);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [preview, setPreview] = useState<string | undefined>();
  const [audit, setAudit] = useState<AuditRecord[]>([]);
  const formRef = useRef<HTMLFormElement>(null);
  const set = (key: string) => (e: Event) => setValues((v) => ({ ...v, [key]: inputValue(e) }));

  useEffect(() => {
    if (!id) return;
    void (async () => {
      try {
        const [p, trail] = await Promise.all([api<Policy>(`/api/policies/${encodeURIComponent(id)}`), api<{ entries: AuditRecord[] }>(`/api/audit?entityType=policy&entityId=${encodeURIComponent(id)}`)]);
        const t = p.targeting;
        const s = p.settings;
        setValues({
          name: p.name,
          description: p.description,
          priority: String(p.priority),
          ...Object.fromEntries(LIST_FIELDS.map(([k]) => [k, (t[k] ?? []).join(', ')])),
          appVersions: t.appVersions ?? '',
          rolloutPercentage: String(t.rolloutPercentage ?? 100),
          telemetryEnabled: s.telemetryEnabled === undefined ? '' : String(s.telemetryEnabled),
          minLogLevel: s.minLogLevel ?? '',
          tracesPercentage: s.sampling?.tracesPercentage?.toString() ?? '',
          logsPercentage: s.sampling?.logsPercentage?.toString() ?? '',
          logsPerMinute: s.sampling?.logsPerMinute?.toString() ?? '',
          maxBatchSize: s.sdk?.maxBatchSize?.toString() ?? '',
          flushIntervalMs: s.sdk?.flushIntervalMs?.toString() ?? '',
          pollIntervalMs: s.sdk?.pollIntervalMs?.toString() ?? '',
          startsAt: toLocal(p.schedule.startsAt),
          expiresAt: toLocal(p.schedule.expiresAt),
        });
        setEnabled(p.enabled);
        setAudit(trail.entries);
        setLoaded(true);
      } catch (err) {
        setFormError(errorText(err));
      }
    })();
  }, [id]);

  useEffect(() => {
    const first = Object.keys(errors)[0];
    if (first) formRef.current?.querySelector<HTMLElement>(`[data-field="${first}"]`)?.focus();
  }, [errors]);

  const targeting = (): Targeting => {
    const t: Targeting = { rolloutPercentage: Number(values.rolloutPercentage || '100') };
    for (const [k] of LIST_FIELDS) {
      const list = splitList(values[k] ?? '');
      if (list.length) t[k] = list;
    }
    if (values.appVersions?.trim()) t.appVersions = values.appVersions.trim();
    return t;
  };
  const body = () => {
    const sampling = { tracesPercentage: numberOrUndefined(values.tracesPercentage ?? ''), logsPercentage: numberOrUndefined(values.logsPercentage ?? ''), logsPerMinute: numberOrUndefined(values.logsPerMinute ?? '') };
    const sdk = { maxBatchSize: numberOrUndefined(values.maxBatchSize ?? ''), flushIntervalMs: numberOrUndefined(values.flushIntervalMs ?? ''), pollIntervalMs: numberOrUndefined(values.pollIntervalMs ?? '') };
    const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
    const settings: Settings = {
      ...(values.telemetryEnabled ? { telemetryEnabled: values.telemetryEnabled === 'true' } : {}),
      ...(values.minLogLevel ? { minLogLevel: values.minLogLevel } : {}),
      ...(Object.keys(defined(sampling)).length ? { sampling: defined(sampling) } : {}),
      ...(Object.keys(defined(sdk)).length ? { sdk: defined(sdk) } : {}),
    };
    return {
      name: values.name?.trim() ?? '',
      description: values.description ?? '',
      enabled,
      priority: Number(values.priority || '0'),
      targeting: targeting(),
      schedule: { startsAt: fromLocal(values.startsAt ?? ''), expiresAt: fromLocal(values.expiresAt ?? '') },
      settings,
    };
  };
  const showProblem = (err: unknown) => {
    if (err instanceof ApiProblem && err.field) setErrors({ [fieldOf(err.field)]: err.detail });
    else setFormError(errorText(err));
  };

  async function runPreview() {
    setErrors({});
    setFormError(undefined);
    try {
      const p = await api<{ matching: number; seen: number; windowHours: number }>('/api/policies/preview', { method: 'POST', body: { targeting: targeting() } });
      setPreview(`${p.matching} of ${p.seen} clients seen in the last ${p.windowHours} h would match.`);
    } catch (err) {
      setPreview(undefined);
      showProblem(err);
    }
  }

  async function save(event: Event) {
    event.preventDefault();
    setErrors({});
    setFormError(undefined);
    if (!values.name?.trim()) return setErrors({ name: 'Give the policy a name.' });
    try {
      const saved = await api<Policy>(id ? `/api/policies/${encodeURIComponent(id)}` : '/api/policies', { method: id ? 'PUT' : 'POST', body: body() });
      location.hash = `#/policies/${encodeURIComponent(saved.id)}`;
      if (id) {
        setAudit((await api<{ entries: AuditRecord[] }>(`/api/audit?entityType=policy&entityId=${encodeURIComponent(id)}`)).entries);
        setFormError(undefined);
        setPreview('Saved.');
      }
    } catch (err) {
      showProblem(err);
    }
  }

  if (!loaded) return <p class="muted" role="status">{formError ?? 'Loading…'}</p>;
  const field = (key: string, label: string, extra: Record<string, unknown> = {}) => (
    <>
      <label for={`p-${key}`}>{label}</label>
      <input id={`p-${key}`} data-field={key} value={values[key] ?? ''} onInput={set(key)} aria-invalid={errors[key] ? 'true' : undefined} aria-describedby={errors[key] ? `p-${key}-error` : undefined} {...extra} />
      {errors[key] && (
        <p id={`p-${key}-error`} class="error field-error">
          {errors[key]}
        </p>
      )}
    </>
  );
  return (
    <section aria-labelledby="policy-title">
      <p>
        <a href="#/policies">← Collection policies</a>
      </p>
      <h1 id="policy-title">{id ? `Policy: ${values.name}` : 'New collection policy'}</h1>
      <form ref={formRef} class="form" onSubmit={save} noValidate>
        {field('name', 'Name', { required: true })}
        {field('description', 'Description (optional)')}
        <label class="check">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled((e.currentTarget as HTMLInputElement).checked)} /> Enabled
        </label>
        {field('priority', 'Priority (higher wins)', { type: 'number', min: -1000, max: 1000 })}
        <fieldset>
          <legend>Applies to (comma-separated; empty matches every client)</legend>
          {LIST_FIELDS.map(([k, label]) => field(k, label))}
          {field('appVersions', 'App versions (semver range, e.g. >=2.0.0 <3)')}
          {field('rolloutPercentage', 'Rollout, % of clients', { type: 'number', min: 0, max: 100 })}
          <div class="actions">
            <button type="button" onClick={runPreview}>
              Preview matching clients
            </button>
          </div>
          <p role="status" class="preview">
            {preview}
          </p>
        </fieldset>
        <fieldset>
          <legend>Sets</legend>
          <label for="p-telemetryEnabled">Telemetry</label>
          <select id="p-telemetryEnabled" data-field="telemetryEnabled" value={values.telemetryEnabled} onChange={set('telemetryEnabled')}>
            <option value="">not set</option>
            <option value="true">on</option>
            <option value="false">off (kill switch)</option>
          </select>
          <label for="p-minLogLevel">Lowest log level</label>
          <select id="p-minLogLevel" data-field="minLogLevel" value={values.minLogLevel} onChange={set('minLogLevel')}>
            <option value="">not set</option>
            {['trace', 'debug', 'info', 'warn', 'error', 'fatal'].map((l) => (
              <option value={l}>{l}</option>
            ))}
          </select>
          {field('tracesPercentage', 'Traces kept, %', { type: 'number', min: 0, max: 100 })}
          {field('logsPercentage', 'Logs kept, %', { type: 'number', min: 0, max: 100 })}
          {field('logsPerMinute', 'At most logs a minute per event name', { type: 'number', min: 0 })}
          {field('maxBatchSize', 'SDK batch size, records', { type: 'number', min: 1 })}
          {field('flushIntervalMs', 'SDK flush interval, ms', { type: 'number', min: 100 })}
          {field('pollIntervalMs', 'SDK config poll interval, ms', { type: 'number', min: 5000 })}
        </fieldset>
        <fieldset>
          <legend>Schedule (optional)</legend>
          {field('startsAt', 'Starts', { type: 'datetime-local' })}
          {field('expiresAt', 'Expires', { type: 'datetime-local' })}
        </fieldset>
        {formError && (
          <p class="error" role="alert">
            {formError}
          </p>
        )}
        <div class="actions">
          <button type="submit">{id ? 'Save changes' : 'Create policy'}</button>
          <a href="#/policies">Cancel</a>
        </div>
      </form>
      {id && (
        <>
          <h2>Audit trail</h2>
          <ol class="history">
            {audit.map((a) => (
              <li>
                {when(a.time)} <strong>{a.action}</strong> by {a.actor}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
