import type { ButtonHTMLAttributes } from 'react';

/** A button that says what it is doing while a request runs. */
export function BusyButton({
  busy,
  busyText,
  children,
  className,
  disabled,
  type = 'submit',
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { busy: boolean; busyText: string }) {
  return (
    <button
      type={type}
      className={className ?? 'btn btn-primary'}
      disabled={busy || disabled}
      aria-busy={busy || undefined}
      {...rest}
    >
      {busy ? busyText : children}
    </button>
  );
}
