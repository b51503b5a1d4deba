import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';

// Labelled form controls with their error beside them. The error is tied to
// the control with aria-describedby and aria-invalid.

interface Common {
  label: string;
  error?: string;
  hint?: ReactNode;
  required?: boolean;
}

function Label({ id, label, required }: { id: string; label: string; required?: boolean }) {
  return (
    <label htmlFor={id} className="field-label">
      {label}
      {required && (
        <span className="required-mark" aria-hidden="true">
          {' '}
          *
        </span>
      )}
    </label>
  );
}

function Extras({ hintId, errorId, hint, error }: { hintId: string; errorId: string; hint?: ReactNode; error?: string }) {
  return (
    <>
      {hint && (
        <div id={hintId} className="field-hint">
          {hint}
        </div>
      )}
      {error && (
        <div id={errorId} className="field-error">
          {error}
        </div>
      )}
    </>
  );
}

function describedBy(hint: unknown, error: unknown, hintId: string, errorId: string): string | undefined {
  const ids = [hint ? hintId : '', error ? errorId : ''].filter(Boolean).join(' ');
  return ids || undefined;
}

export function TextField({
  label,
  error,
  hint,
  required,
  id,
  className,
  ...rest
}: Common & InputHTMLAttributes<HTMLInputElement>) {
  const auto = useId();
  const cid = id ?? auto;
  return (
    <div className={`field ${className ?? ''}`}>
      <Label id={cid} label={label} required={required} />
      <input
        id={cid}
        aria-invalid={error ? true : undefined}
        aria-required={required || undefined}
        aria-describedby={describedBy(hint, error, `${cid}-hint`, `${cid}-error`)}
        {...rest}
      />
      <Extras hintId={`${cid}-hint`} errorId={`${cid}-error`} hint={hint} error={error} />
    </div>
  );
}

export function TextArea({
  label,
  error,
  hint,
  required,
  id,
  className,
  ...rest
}: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const auto = useId();
  const cid = id ?? auto;
  return (
    <div className={`field ${className ?? ''}`}>
      <Label id={cid} label={label} required={required} />
      <textarea
        id={cid}
        rows={4}
        aria-invalid={error ? true : undefined}
        aria-required={required || undefined}
        aria-describedby={describedBy(hint, error, `${cid}-hint`, `${cid}-error`)}
        {...rest}
      />
      <Extras hintId={`${cid}-hint`} errorId={`${cid}-error`} hint={hint} error={error} />
    </div>
  );
}

export function SelectField({
  label,
  error,
  hint,
  required,
  id,
  className,
  children,
  ...rest
}: Common & SelectHTMLAttributes<HTMLSelectElement>) {
  const auto = useId();
  const cid = id ?? auto;
  return (
    <div className={`field ${className ?? ''}`}>
      <Label id={cid} label={label} required={required} />
      <select
        id={cid}
        aria-invalid={error ? true : undefined}
        aria-required={required || undefined}
        aria-describedby={describedBy(hint, error, `${cid}-hint`, `${cid}-error`)}
        {...rest}
      >
        {children}
      </select>
      <Extras hintId={`${cid}-hint`} errorId={`${cid}-error`} hint={hint} error={error} />
    </div>
  );
}
