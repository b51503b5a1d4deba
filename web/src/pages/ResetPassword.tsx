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
import { questionText } from '../lib/format';

export default function ResetPassword() {
  usePageTitle('Choose a new password');
  const link = useLinkToken(auth.resetCheck);
  const [answer, setAnswer] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState(false);
  const [expired, setExpired] = useState<unknown>(null);
  const s = useSubmit();
  const question = link.status === 'valid' ? questionText(link.data.challenge_question) : '';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (question && !answer.trim()) errs.answer = 'Please answer your security question';
    if (!password) errs.password = 'Please enter a password';
    if (password && confirm !== password) errs.confirm = 'The passwords do not match';
    if (Object.keys(errs).length) {
      s.setFieldErrors(errs);
      return;
    }
    await s.run(async () => {
      try {
        await auth.reset(link.token, password, question ? answer : undefined);
        setDone(true);
      } catch (err) {
        if (err instanceof ApiError && err.slug === 'invalid-link') setExpired(err);
        else throw err;
      }
    }, ['password', 'answer']);
  };

  return (
    <section className="auth-card">
      <h1>Choose a new password</h1>
      {link.status === 'checking' && <Loading what="Checking your link…" />}
      {(link.status === 'invalid' || Boolean(expired)) && (
        <InvalidLink
          error={expired ?? (link.status === 'invalid' ? link.error : null)}
          again="/forgot-password"
          againLabel="Ask for a new reset link"
        />
      )}
      {link.status === 'valid' && !expired && (
        done ? (
          <>
            <SuccessNote>Your password has been changed. Please sign in with your new password.</SuccessNote>
            <p>
              <Link to="/sign-in">Sign in</Link>
            </p>
          </>
        ) : (
          <>
            {link.data.email && (
              <p>
                Choose a new password for <strong>{link.data.email}</strong>.
              </p>
            )}
            <form onSubmit={submit} noValidate>
              {question && (
                <TextField label={question} autoComplete="off" value={answer} onChange={(e) => setAnswer(e.target.value)} error={s.fieldErrors.answer} hint="Your security question" />
              )}
              <TextField label="New password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} error={s.fieldErrors.password} />
              <TextField label="Confirm new password" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} error={s.fieldErrors.confirm} />
              <ErrorAlert error={s.error} />
              <BusyButton busy={s.busy} busyText="Saving…">
                Set new password
              </BusyButton>
            </form>
          </>
        )
      )}
    </section>
  );
}
