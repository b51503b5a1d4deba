import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import type { MessageAnswer } from '../api/types';
import { ErrorAlert, SuccessNote } from './Alerts';
import { TextField } from './Field';
import { BusyButton } from './SubmitButton';

/** "Forgot password?" and "Unlock account?": one Username field, the API's message. */
export function LoginLinkForm({
  title,
  intro,
  submitLabel,
  send,
}: {
  title: string;
  intro: string;
  submitLabel: string;
  send: (login: string) => Promise<MessageAnswer>;
}) {
  const [login, setLogin] = useState('');
  const [fieldError, setFieldError] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setFieldError('');
    if (!login.trim()) {
      setFieldError('Please enter a username');
      return;
    }
    setBusy(true);
    try {
      const r = await send(login.trim());
      setMessage(r?.message || 'Thank you. Please check your e-mail.');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="auth-card">
      <h1>{title}</h1>
      {message ? (
        <SuccessNote>{message}</SuccessNote>
      ) : (
        <>
          <p>{intro}</p>
          <form onSubmit={submit} noValidate>
            <TextField
              label="Username"
              autoComplete="username"
              value={login}
              onChange={(e) => setLogin(e.target.value)}
              error={fieldError}
              hint="Your e-mail address or username"
            />
            <ErrorAlert error={error} />
            <BusyButton busy={busy} busyText="Sending…">
              {submitLabel}
            </BusyButton>
          </form>
        </>
      )}
      <p>
        <Link to="/sign-in">Back to sign in</Link>
      </p>
    </section>
  );
}
