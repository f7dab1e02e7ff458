// Picks a user or a machine identity by name. Only org admins may list people, so for others
// it takes the id instead (shown on the Admin page and in `signet` output).
import { useApp } from '../app/state';
import { SelectField, TextField } from './forms';

export function PrincipalPicker(p: {
  kind: 'user' | 'identity';
  value: string;
  onChange: (id: string) => void;
  label?: string;
  error?: string | null;
  exclude?: string[];
}) {
  const app = useApp();
  const label = p.label ?? (p.kind === 'user' ? 'User' : 'Machine identity');
  if (!app.directory.complete) {
    return (
      <TextField
        label={`${label} ID`}
        value={p.value}
        onInput={(v) => p.onChange(v.trim())}
        mono
        placeholder="0190f2c4-…"
        hint="Only org admins can list users and identities; ask one for the ID."
        error={p.error}
      />
    );
  }
  const exclude = new Set(p.exclude ?? []);
  const options =
    p.kind === 'user'
      ? app.directory.users.filter((u) => !exclude.has(u.id)).map((u) => ({ value: u.id, label: u.id === app.me.id ? `${u.email} (you)` : u.email }))
      : app.directory.identities.filter((i) => !exclude.has(i.id)).map((i) => ({ value: i.id, label: i.name }));
  return (
    <SelectField
      label={label}
      value={p.value}
      onChange={p.onChange}
      placeholder={options.length ? `Choose a ${p.kind === 'user' ? 'user' : 'machine identity'}` : `No ${p.kind === 'user' ? 'users' : 'machine identities'} to choose`}
      options={options}
      error={p.error}
    />
  );
}
