import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { auth } from '../api/endpoints';
import { ApiError } from '../api/problem';
import { ErrorAlert, Loading, SuccessNote } from '../components/Alerts';
import { TextField } from '../components/Field';
import { InvalidLink } from '../components/InvalidLink';
import { BusyButton } from '../components/SubmitButton';
import { useLinkToken } from '../hooks/useLinkToken';
import { usePageTitle } from '../hooks/usePageTitle';
import { useSubmit } from '../hooks/useSubmit';

export default function Activate() {
  usePageTitle('Activate your account');
  const link = useLinkToken(auth.activateCheck);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const [expired, setExpired] = useState<unknown>(null);
  const s = useSubmit();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!password) errs.password = 'Please enter a password';
    if (password && confirm !== password) errs.confirm = 'The passwords do not match';
    if (Object.keys(errs).length) {
      s.setFieldErrors(errs);
      return;
    }
    await s.run(async () => {
      try {
        await auth.activate(link.token, password);
        setDone(true);
      } catch (err) {
        if (err instanceof ApiError && err.slug === 'invalid-link') setExpired(err);
        else throw err;
      }
    }, ['password']);
  };

  return (
    <section className="auth-card">
      <h1>Activate your account</h1>
      {link.status === 'checking' && <Loading what="Checking your link…" />}
      {(link.status === 'invalid' || Boolean(expired)) && (
        <InvalidLink
          error={expired ?? (link.status === 'invalid' ? link.error : null)}
          again="/request-access"
          againLabel="Ask for a new invitation (Request portal access)"
        />
      )}
      {link.status === 'valid' && !expired && (
        done ? (
          <>
            <SuccessNote>Your password is set and your account is active.</SuccessNote>
            <p>
              <Link to="/sign-in">Sign in</Link>
            </p>
          </>
        ) : (
          <>
            <p>
              Welcome, {link.data.name}. Choose a password for <strong>{link.data.email}</strong>.
            </p>
            <form onSubmit={submit} noValidate>
              <TextField label="Password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} error={s.fieldErrors.password} />
              <TextField label="Confirm password" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} error={s.fieldErrors.confirm} />
              <ErrorAlert error={s.error} />
              <BusyButton busy={s.busy} busyText="Saving…">
                Activate account
              </BusyButton>
            </form>
          </>
        )
      )}
    </section>
  );
}
