// The signer name rule (SPEC §2), checked as the user types with the server's wording.

export const MAX_SLUG = 64;

// The problem with `name`, or null when it is a valid slug.
export function slugProblem(name: string, field = 'Name'): string | null {
  if (name.length === 0) return `${field} must not be empty`;
  if (name.length > MAX_SLUG) return `${field} is ${name.length} characters; the maximum is ${MAX_SLUG}`;
  if (!/^[a-z0-9-]+$/.test(name)) {
    return `${field} may contain only lower-case letters, digits and hyphens`;
  }
  if (name.startsWith('-') || name.endsWith('-')) return `${field} must not start or end with a hyphen`;
  if (name.includes('--')) return `${field} must not contain two hyphens in a row`;
  return null;
}

// A slug suggestion from free text ("Release Signer 2" → "release-signer-2").
export function toSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, MAX_SLUG)
    .replace(/-$/, '');
}
