import type { ReactNode } from 'react';
import { describeError } from '../api/problem';

/** An error near a form or button, announced at once. Renders nothing without one. */
export function ErrorAlert({ error, children }: { error?: unknown; children?: ReactNode }) {
  if (!error && !children) return null;
  return (
    <div role="alert" className="alert alert-error">
      {children ?? describeError(error)}
    </div>
  );
}

/** A confirmation (polite). */
export function SuccessNote({ children }: { children?: ReactNode }) {
  if (!children) return null;
  return (
    <div role="status" className="alert alert-success">
      {children}
    </div>
  );
}

export function Loading({ what = 'Loading…' }: { what?: string }) {
  return (
    <p className="loading" role="status">
      {what}
    </p>
  );
}
