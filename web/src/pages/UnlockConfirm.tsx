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

export default function UnlockConfirm() {
  usePageTitle('Unlock your account');
  const link = useLinkToken(auth.unlockCheck);
  const [answer, setAnswer] = useState('');
  const [done, setDone] = useState(false);
  const [expired, setExpired] = useState<unknown>(null);
  const s = useSubmit();
  const question = link.status === 'valid' ? questionText(link.data.challenge_question) : '';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!answer.trim()) {
      s.setFieldErrors({ answer: 'Please answer your security question' });
      return;
    }
    await s.run(async () => {
      try {
        await auth.unlockConfirm(link.token, answer);
        setDone(true);
      } catch (err) {
        if (err instanceof ApiError && err.slug === 'invalid-link') setExpired(err);
        else throw err;
      }
    }, ['answer']);
  };

  return (
    <section className="auth-card">
      <h1>Unlock your account</h1>
      {link.status === 'checking' && <Loading what="Checking your link…" />}
      {(link.status === 'invalid' || Boolean(expired)) && (
        <InvalidLink
          error={expired ?? (link.status === 'invalid' ? link.error : null)}
          again="/unlock-account"
          againLabel="Ask for a new unlock link"
        />
      )}
      {link.status === 'valid' && !expired && (
        done ? (
          <>
            <SuccessNote>Your account is unlocked.</SuccessNote>
            <p>
              <Link to="/sign-in">Sign in</Link>
            </p>
          </>
        ) : (
          <form onSubmit={submit} noValidate>
            <p>Answer your security question to unlock your account.</p>
            <TextField label={question || 'Security answer'} autoComplete="off" value={answer} onChange={(e) => setAnswer(e.target.value)} error={s.fieldErrors.answer} hint={question ? 'Your security question' : undefined} />
            <ErrorAlert error={s.error} />
            <BusyButton busy={s.busy} busyText="Unlocking…">
              Unlock account
            </BusyButton>
          </form>
        )
      )}
    </section>
  );
}
