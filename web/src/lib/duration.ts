// Durations as the API writes them: a whole number and one unit, "30s", "30m", "8h", "7d".

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

// Milliseconds, or null when `text` is not a duration.
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,10})([smhd])$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * UNITS[m[2]];
}

// The problem with a duration field, or null. `min`/`max` in milliseconds.
export function durationProblem(text: string, field: string, min?: number, max?: number): string | null {
  const ms = parseDuration(text);
  if (ms === null) return `${field} must be a duration such as 30m, 8h or 7d`;
  if (min !== undefined && ms < min) return `${field} is ${text.trim()}; the minimum is ${formatDuration(min)}`;
  if (max !== undefined && ms > max) return `${field} is ${text.trim()}; the maximum is ${formatDuration(max)}`;
  return null;
}

// The largest unit that divides `ms` exactly: 86400000 → "1d", 5400000 → "90m".
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's']) {
    if (ms % UNITS[unit] === 0) return `${ms / UNITS[unit]}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}

// "7d" → "7 days", "1h" → "1 hour", for sentences.
export function humanDuration(text: string | null | undefined): string {
  if (!text) return '—';
  const m = /^(\d+)([smhd])$/.exec(text);
  if (!m) return text;
  const n = Number(m[1]);
  const word = { s: 'second', m: 'minute', h: 'hour', d: 'day' }[m[2] as 's' | 'm' | 'h' | 'd'];
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
