/** Display helpers of the console: times in the browser's zone, durations, targets. */

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function minutes(n: number): string {
  if (n < 60) return `${n} min`;
  const h = Math.floor(n / 60);
  return n % 60 ? `${h} h ${n % 60} min` : `${h} h`;
}

/** The identity attributes of a target (service apart), as `key = value` text. */
export function targetText(target: Record<string, string>): string {
  return Object.entries(target)
    .filter(([k]) => k !== 'service.name')
    .map(([k, v]) => `${k} = ${v}`)
    .join(', ');
}

/** Local midnight of a `YYYY-MM-DD` date input, as an ISO instant with the zone's offset. */
export function dayStart(date: string, plusDays = 0): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d + plusDays).toISOString();
}
