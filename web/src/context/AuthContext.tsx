import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { setUnauthenticatedHandler } from '../api/client';
import { auth, me as meApi } from '../api/endpoints';
import { ApiError } from '../api/problem';
import type { Me } from '../api/types';

// Who is signed in. The session itself is the HttpOnly cookie; the portal
// only knows a user is signed in because GET /me answers.

type Status = 'loading' | 'signed-in' | 'signed-out' | 'error';

interface AuthValue {
  user: Me | null;
  status: Status;
  isStaff: boolean;
  refresh: () => Promise<Me | null>;
  signOut: () => Promise<void>;
  setUser: (u: Me) => void;
}

const AuthCtx = createContext<AuthValue | null>(null);

export function signInPath(next: string): string {
  if (!next || next === '/' || next.startsWith('/sign-in')) return '/sign-in';
  return `/sign-in?next=${encodeURIComponent(next)}`;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<Me | null>(null);
  const [status, setStatus] = useState<Status>('loading');
  const navigate = useNavigate();
  const location = useLocation();

  const refresh = useCallback(async () => {
    try {
      const u = await meApi.get(true);
      setUser(u);
      setStatus('signed-in');
      return u;
    } catch (e) {
      setUser(null);
      setStatus(e instanceof ApiError && e.status === 401 ? 'signed-out' : 'error');
      return null;
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // Any 401 from a signed-in page: back to sign in, then return here.
  const here = location.pathname + location.search;
  useEffect(() => {
    setUnauthenticatedHandler(() => {
      setUser(null);
      setStatus('signed-out');
      if (!window.location.pathname.startsWith('/sign-in')) {
        navigate(signInPath(window.location.pathname + window.location.search), { replace: true });
      }
    });
    return () => setUnauthenticatedHandler(null);
  }, [navigate, here]);

  const signOut = useCallback(async () => {
    try {
      await auth.logout();
    } finally {
      setUser(null);
      setStatus('signed-out');
      navigate('/sign-in', { replace: true });
    }
  }, [navigate]);

  const value = useMemo<AuthValue>(
    () => ({
      user,
      status,
      isStaff: user?.role === 'staff' || user?.role === 'admin',
      refresh,
      signOut,
      setUser: (u: Me) => {
        setUser(u);
        setStatus('signed-in');
      },
    }),
    [user, status, refresh, signOut],
  );
  return <AuthCtx.Provider value={value}>{children}</AuthCtx.Provider>;
}

export function useAuth(): AuthValue {
  const v = useContext(AuthCtx);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}
