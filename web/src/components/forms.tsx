// Labelled inputs: every field has a <label>, its hint and error are tied to it with
// aria-describedby, and an error sets aria-invalid.
import type { ComponentChildren } from 'preact';
import { useId } from 'preact/hooks';

interface FieldShell {
  label: string;
  hint?: ComponentChildren;
  error?: string | null;
  ok?: string | null;
  optional?: boolean;
}

function describedBy(id: string, p: FieldShell): string | undefined {
  const ids = [p.hint ? `${id}-hint` : '', p.error ? `${id}-error` : p.ok ? `${id}-ok` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function Shell(p: FieldShell & { id: string; children: ComponentChildren; counter?: string }) {
  return (
    <div class="field">
      <label for={p.id}>
        {p.label}
        {p.optional && <span class="optional"> (optional)</span>}
      </label>
      {p.children}
      {p.hint && (
        <span class="hint" id={`${p.id}-hint`}>
          {p.hint}
        </span>
      )}
      {p.error ? (
        <span class="field-error" id={`${p.id}-error`} role="alert">
          {p.error}
        </span>
      ) : p.ok ? (
        <span class="field-ok" id={`${p.id}-ok`}>
          {p.ok}
        </span>
      ) : null}
      {p.counter && <span class="counter">{p.counter}</span>}
    </div>
  );
}

export function TextField(
  p: FieldShell & {
    value: string;
    onInput: (v: string) => void;
    type?: 'text' | 'email' | 'password' | 'number' | 'search' | 'datetime-local';
    name?: string;
    placeholder?: string;
    autoComplete?: string;
    required?: boolean;
    maxLength?: number;
    min?: number;
    max?: number;
    autoFocus?: boolean;
    mono?: boolean;
    showCount?: boolean;
  },
) {
  const id = useId();
  return (
    <Shell {...p} id={id} counter={p.showCount && p.maxLength ? `${p.value.length} / ${p.maxLength}` : undefined}>
      <input
        id={id}
        name={p.name}
        type={p.type ?? 'text'}
        value={p.value}
        onInput={(e) => p.onInput((e.target as HTMLInputElement).value)}
        placeholder={p.placeholder}
        autoComplete={p.autoComplete ?? 'off'}
        required={p.required}
        maxLength={p.maxLength}
        min={p.min}
        max={p.max}
        autoFocus={p.autoFocus}
        spellcheck={false}
        class={p.mono ? 'mono' : undefined}
        aria-invalid={p.error ? 'true' : undefined}
        aria-describedby={describedBy(id, p)}
      />
    </Shell>
  );
}

export function TextAreaField(
  p: FieldShell & {
    value: string;
    onInput: (v: string) => void;
    name?: string;
    placeholder?: string;
    maxLength?: number;
    mono?: boolean;
    rows?: number;
    required?: boolean;
    readOnly?: boolean;
  },
) {
  const id = useId();
  return (
    <Shell {...p} id={id} counter={p.maxLength ? `${p.value.length} / ${p.maxLength}` : undefined}>
      <textarea
        id={id}
        name={p.name}
        value={p.value}
        rows={p.rows}
        onInput={(e) => p.onInput((e.target as HTMLTextAreaElement).value)}
        placeholder={p.placeholder}
        maxLength={p.maxLength}
        required={p.required}
        readOnly={p.readOnly}
        spellcheck={!p.mono}
        class={p.mono ? 'mono' : undefined}
        aria-invalid={p.error ? 'true' : undefined}
        aria-describedby={describedBy(id, p)}
      />
    </Shell>
  );
}

export interface Option {
  value: string;
  label: string;
  disabled?: boolean;
}

export function SelectField(
  p: FieldShell & {
    value: string;
    onChange: (v: string) => void;
    options: Option[];
    name?: string;
    placeholder?: string; // a first, empty choice
    required?: boolean;
  },
) {
  const id = useId();
  return (
    <Shell {...p} id={id}>
      <select
        id={id}
        name={p.name}
        value={p.value}
        required={p.required}
        onChange={(e) => p.onChange((e.target as HTMLSelectElement).value)}
        aria-invalid={p.error ? 'true' : undefined}
        aria-describedby={describedBy(id, p)}
      >
        {p.placeholder !== undefined && <option value="">{p.placeholder}</option>}
        {p.options.map((o) => (
          <option key={o.value} value={o.value} disabled={o.disabled}>
            {o.label}
          </option>
        ))}
      </select>
    </Shell>
  );
}

export function CheckField(p: { label: string; checked: boolean; onChange: (v: boolean) => void; hint?: string; name?: string }) {
  const id = useId();
  return (
    <div class="field">
      <label class="check" for={id}>
        <input
          id={id}
          type="checkbox"
          name={p.name}
          checked={p.checked}
          onChange={(e) => p.onChange((e.target as HTMLInputElement).checked)}
          aria-describedby={p.hint ? `${id}-hint` : undefined}
        />
        <span>{p.label}</span>
      </label>
      {p.hint && (
        <span class="hint" id={`${id}-hint`}>
          {p.hint}
        </span>
      )}
    </div>
  );
}

// A two- or three-way choice (User / Machine identity).
export function Segmented<T extends string>(p: { label: string; value: T; options: { value: T; label: string }[]; onChange: (v: T) => void }) {
  return (
    <div class="segmented" role="group" aria-label={p.label}>
      {p.options.map((o) => (
        <button type="button" key={o.value} aria-pressed={p.value === o.value} onClick={() => p.onChange(o.value)}>
          {o.label}
        </button>
      ))}
    </div>
  );
}
