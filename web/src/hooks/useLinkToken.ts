import { useEffect, useState } from 'react';
import { linkToken } from '../lib/format';

export type LinkCheck<T> =
  | { status: 'checking'; token: string }
  | { status: 'valid'; token: string; data: T }
  | { status: 'invalid'; token: string; error: unknown };

/**
 * The token of an e-mailed link (`#token=…`, or `?token=…`) checked with the
 * API without using it up.
 */
export function useLinkToken<T>(check: (token: string) => Promise<T>): LinkCheck<T> {
  const [token] = useState(linkToken);
  const [state, setState] = useState<LinkCheck<T>>({ status: 'checking', token });
  useEffect(() => {
    if (!token) {
      setState({ status: 'invalid', token, error: null });
      return;
    }
    let alive = true;
    check(token)
      .then((data) => alive && setState({ status: 'valid', token, data }))
      .catch((error) => alive && setState({ status: 'invalid', token, error }));
    return () => {
      alive = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [token]);
  return state;
}
