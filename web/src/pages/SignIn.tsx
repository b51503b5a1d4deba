import { useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { auth } from '../api/endpoints';
import { ApiError, describeError } from '../api/problem';
import { ErrorAlert } from '../components/Alerts';
import { TextField } from '../components/Field';
import { BusyButton } from '../components/SubmitButton';
import { useAuth } from '../context/AuthContext';
import { usePageTitle } from '../hooks/usePageTitle';

function safeNext(next: string | null): string {
  // Only paths inside the portal: never an absolute or protocol-relative URL.
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/sign-in')) return '/';
  return next;
}

function signInError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.slug === 'invalid-credentials') {
      return 'The username or password is incorrect, or the account is locked, disabled or not yet activated.';
    }
    if (err.status === 429) return 'Too many sign-in attempts. Please wait a minute and try again.';
    if (err.status === 503) return 'The portal is starting up. Please try again in a moment.';
  }
  return describeError(err);
}

export default function SignIn() {
  usePageTitle('Sign in');
  const { status, refresh } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<{ login?: string; password?: string }>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  if (status === 'signed-in' && !busy) return <Navigate to={next} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const errs: typeof errors = {};
    if (!login.trim()) errs.login = 'Please enter a username';
    if (!password) errs.password = 'Please enter a password';
    setErrors(errs);
    setError('');
    if (errs.login || errs.password) {
      document.getElementById(errs.login ? 'signin-login' : 'signin-password')?.focus();
      return;
    }
    setBusy(true);
    try {
      await auth.login(login.trim(), password);
      // The reply's token is ignored: the HttpOnly cookie is the session.
      await refresh();
      navigate(next, { replace: true });
    } catch (err) {
      setError(signInError(err));
      setBusy(false);
    }
  };

  return (
    <section className="auth-card">
      <h1>Sign in</h1>
      <form onSubmit={submit} noValidate>
        <TextField
          id="signin-login"
          label="Username"
          name="username"
          autoComplete="username"
          value={login}
          onChange={(e) => setLogin(e.target.value)}
          error={errors.login}
          hint="Your e-mail address or username"
        />
        <TextField
          id="signin-password"
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
        />
        <ErrorAlert>{error || undefined}</ErrorAlert>
        <BusyButton busy={busy} busyText="Signing in…">
          Sign in
        </BusyButton>
      </form>
      <ul className="link-list">
        <li>
          <Link to="/sign-in/help">Need help signing in?</Link>
        </li>
        <li>
          <Link to="/request-access">Request portal access</Link>
        </li>
      </ul>
    </section>
  );
}
