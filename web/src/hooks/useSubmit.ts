import { useCallback, useRef, useState } from 'react';
import { ApiError } from '../api/problem';

export interface SubmitState {
  busy: boolean;
  /** An error not tied to a shown field: goes in an alert near the form. */
  error: unknown;
  /** Field errors (client-side or from the API's problem), by field key. */
  fieldErrors: Record<string, string>;
  setFieldErrors: (e: Record<string, string>) => void;
  setError: (e: unknown) => void;
  /**
   * Run a request. API field errors for `fields` are shown beside those
   * fields; anything else (other fields, no fields) goes to the alert.
   * Resolves true when `fn` succeeded.
   */
  run: (fn: () => Promise<void>, fields?: string[]) => Promise<boolean>;
}

export function useSubmit(): SubmitState {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const running = useRef(false);

  const run = useCallback(async (fn: () => Promise<void>, fields: string[] = []) => {
    if (running.current) return false;
    running.current = true;
    setBusy(true);
    setError(null);
    setFieldErrors({});
    try {
      await fn();
      return true;
    } catch (e) {
      if (e instanceof ApiError) {
        const fe = e.fieldErrors;
        const mine: Record<string, string> = {};
        let unmatched = false;
        for (const [k, v] of Object.entries(fe)) {
          if (fields.includes(k)) mine[k] = v;
          else unmatched = true;
        }
        setFieldErrors(mine);
        if (unmatched || Object.keys(mine).length === 0) setError(e);
      } else if (!(e instanceof DOMException && e.name === 'AbortError')) {
        setError(e);
      }
      return false;
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);

  return { busy, error, fieldErrors, setFieldErrors, setError, run };
}
