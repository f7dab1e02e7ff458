// Dates and small formatting helpers. Times come from the API as RFC 3339 UTC and are shown in
// the browser's time zone, in English like the rest of the console ("Dec 3, 2026, 14:05").
// Formatted by hand: the first Intl.DateTimeFormat of a page loads locale data (tens of
// milliseconds on a cold start), and a table formats a few hundred dates.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function parse(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

export function formatDay(iso: string | null | undefined): string {
  const d = parse(iso);
  if (!d) return iso || '—';
  return `${MONTHS[d.getMonth()]} ${d.getDate()}, ${d.getFullYear()}`;
}

export function formatDate(iso: string | null | undefined): string {
  const d = parse(iso);
  if (!d) return iso || '—';
  return `${formatDay(iso)}, ${two(d.getHours())}:${two(d.getMinutes())}`;
}

// "in 3 days", "5 minutes ago", "just now".
export function relativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return 'never';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const diff = t - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return 'just now';
  const units: [number, string][] = [
    [365 * 86_400_000, 'year'], [30 * 86_400_000, 'month'], [86_400_000, 'day'],
    [3_600_000, 'hour'], [60_000, 'minute'],
  ];
  for (const [size, name] of units) {
    if (abs >= size) {
      const n = Math.round(abs / size);
      const label = `${n} ${name}${n === 1 ? '' : 's'}`;
      return diff > 0 ? `in ${label}` : `${label} ago`;
    }
  }
  return 'just now';
}

export function shortId(id: string | null | undefined): string {
  if (!id) return '—';
  return id.length > 8 ? id.slice(0, 8) : id;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

// datetime-local input value → RFC 3339 UTC, or null when empty/invalid.
export function localInputToIso(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
