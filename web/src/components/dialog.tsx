// Modal dialogs on the native <dialog> element: focus moves in and is trapped while open,
// Escape closes, focus returns to where it was.
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { PlacedError } from '../lib/errors';
import { ErrorNotice, Spinner } from './feedback';

export function Dialog(p: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  footer?: ComponentChildren;
  wide?: boolean;
  onSubmit?: () => void; // renders the body and footer as one form
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    const opener = document.activeElement as HTMLElement | null;
    if (d && !d.open) d.showModal();
    return () => {
      if (d?.open) d.close();
      opener?.focus?.();
    };
  }, []);
  const inner = (
    <>
      <div class="dialog-head">
        <h2 id={titleId}>{p.title}</h2>
        <button type="button" class="btn btn-ghost" aria-label="Close" onClick={p.onClose}>
          ✕
        </button>
      </div>
      <div class="dialog-body">{p.children}</div>
      {p.footer && <div class="dialog-foot">{p.footer}</div>}
    </>
  );
  return (
    <dialog
      ref={ref}
      class={p.wide ? 'wide' : undefined}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        p.onClose();
      }}
    >
      {p.onSubmit ? (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            p.onSubmit?.();
          }}
        >
          {inner}
        </form>
      ) : (
        inner
      )}
    </dialog>
  );
}

// A dialog that is one form: Cancel and the submit button in the footer (the button disabled
// and showing a spinner while `busy`), and an error that names no field of the form shown as
// a notice above the fields (errors naming a field are shown under it by the caller).
export function FormDialog(p: {
  title: string;
  submitLabel: ComponentChildren;
  busy: boolean;
  onClose: () => void;
  onSubmit: () => void;
  children: ComponentChildren;
  error?: PlacedError | null;
  danger?: boolean; // the submit button is red
  disabled?: boolean; // the submit button is disabled even when not busy
  footerStart?: ComponentChildren; // more buttons, before Cancel
  wide?: boolean;
}) {
  return (
    <Dialog
      title={p.title}
      wide={p.wide}
      onClose={p.onClose}
      onSubmit={p.onSubmit}
      footer={
        <>
          {p.footerStart}
          <button type="button" class="btn" onClick={p.onClose}>
            Cancel
          </button>
          <button type="submit" class={`btn ${p.danger ? 'btn-danger' : 'btn-primary'}`} disabled={p.disabled || p.busy}>
            {p.busy && <Spinner />} {p.submitLabel}
          </button>
        </>
      }
    >
      {p.error?.field === null && <ErrorNotice error={new Error(p.error.message)} />}
      {p.children}
    </Dialog>
  );
}

// Confirmation before anything destructive. With `typeToConfirm`, the button stays disabled
// until that text is typed.
export function ConfirmDialog(p: {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  typeToConfirm?: string;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
}) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const inputId = useId();
  const blocked = p.typeToConfirm !== undefined && typed !== p.typeToConfirm;
  const submit = async () => {
    if (blocked || busy) return;
    setBusy(true);
    setError(null);
    try {
      await p.onConfirm();
      p.onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <FormDialog title={p.title} submitLabel={p.confirmLabel} danger={p.danger} disabled={blocked} busy={busy} onClose={p.onClose} onSubmit={submit}>
      <ErrorNotice error={error} />
      <div class="stack">{p.children}</div>
      {p.typeToConfirm !== undefined && (
        <div class="field">
          <label for={inputId}>
            Type <code>{p.typeToConfirm}</code> to confirm
          </label>
          <input id={inputId} type="text" value={typed} autoComplete="off" spellcheck={false} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />
        </div>
      )}
    </FormDialog>
  );
}
