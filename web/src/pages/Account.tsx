import { useState, type FormEvent } from 'react';
import { auth, me as meApi } from '../api/endpoints';
import { ErrorAlert, SuccessNote } from '../components/Alerts';
import { SelectField, TextField } from '../components/Field';
import { BusyButton } from '../components/SubmitButton';
import { useAuth } from '../context/AuthContext';
import { useAsync } from '../hooks/useAsync';
import { usePageTitle } from '../hooks/usePageTitle';
import { useSubmit } from '../hooks/useSubmit';
import { questionText } from '../lib/format';

function Profile() {
  const { user, setUser } = useAuth();
  const [name, setName] = useState(user?.name ?? '');
  const [phone, setPhone] = useState(user?.phone ?? '');
  const [saved, setSaved] = useState(false);
  const s = useSubmit();
  if (!user) return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    if (!name.trim()) {
      s.setFieldErrors({ name: 'Please enter your name' });
      return;
    }
    await s.run(async () => {
      const u = await meApi.update({ name: name.trim(), phone: phone.trim() });
      setUser({ ...user, ...u, accounts: u.accounts ?? user.accounts });
      setSaved(true);
    }, ['name', 'phone']);
  };
  return (
    <section className="panel" aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      <dl className="case-fields">
        <div className="case-field">
          <dt>E-mail</dt>
          <dd>{user.email}</dd>
        </div>
        <div className="case-field">
          <dt>Username</dt>
          <dd>{user.username || '—'}</dd>
        </div>
        <div className="case-field">
          <dt>Accounts</dt>
          <dd>{user.accounts.length ? user.accounts.map((a) => `${a.name} (${a.account_number})`).join(', ') : '—'}</dd>
        </div>
      </dl>
      <form onSubmit={submit} noValidate>
        <TextField label="Name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} error={s.fieldErrors.name} />
        <TextField label="Phone" type="tel" autoComplete="tel" value={phone} onChange={(e) => setPhone(e.target.value)} error={s.fieldErrors.phone} />
        <ErrorAlert error={s.error} />
        {saved && <SuccessNote>Your profile is saved.</SuccessNote>}
        <BusyButton busy={s.busy} busyText="Saving…">
          Save profile
        </BusyButton>
      </form>
    </section>
  );
}

function ChallengeForm() {
  const { user, refresh } = useAuth();
  const questions = useAsync(() => auth.challengeQuestions().then((r) => r.data), []);
  const currentId = typeof user?.challenge_question === 'string' ? user.challenge_question : (user?.challenge_question as { id?: string } | null)?.id ?? '';
  const [questionId, setQuestionId] = useState(currentId);
  const [answer, setAnswer] = useState('');
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState('');
  const s = useSubmit();
  const currentText = questions.data?.find((q) => q.id === currentId)?.text ?? questionText(user?.challenge_question);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMessage('');
    const errs: Record<string, string> = {};
    if (!questionId) errs.question_id = 'Please choose a question';
    if (!answer.trim()) errs.answer = 'Please enter your answer';
    if (!password) errs.current_password = 'Please enter your current password';
    if (Object.keys(errs).length) {
      s.setFieldErrors(errs);
      return;
    }
    await s.run(async () => {
      const r = await meApi.setChallenge({ question_id: questionId, answer: answer.trim(), current_password: password });
      setMessage(r?.message || 'Your security question is saved.');
      setAnswer('');
      setPassword('');
      void refresh();
    }, ['question_id', 'answer', 'current_password']);
  };

  return (
    <form onSubmit={submit} noValidate aria-labelledby="challenge-heading">
      <h3 id="challenge-heading">Challenge question</h3>
      <p>{currentText ? `Your question now: ${currentText}` : 'You have not chosen a challenge question yet.'}</p>
      <ErrorAlert error={questions.error ?? undefined} />
      <SelectField label="Challenge question" value={questionId} onChange={(e) => setQuestionId(e.target.value)} error={s.fieldErrors.question_id}>
        <option value="">Choose a question</option>
        {(questions.data ?? []).map((q) => (
          <option key={q.id} value={q.id}>
            {q.text}
          </option>
        ))}
      </SelectField>
      <TextField label="Answer" autoComplete="off" value={answer} onChange={(e) => setAnswer(e.target.value)} error={s.fieldErrors.answer} />
      <TextField label="Current password" id="challenge-current-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} error={s.fieldErrors.current_password} />
      <ErrorAlert error={s.error} />
      {message && <SuccessNote>{message}</SuccessNote>}
      <BusyButton busy={s.busy} busyText="Saving…">
        Save challenge question
      </BusyButton>
    </form>
  );
}

function PasswordForm() {
  const { refresh } = useAuth();
  const [current, setCurrent] = useState('');
  const [fresh, setFresh] = useState('');
  const [confirm, setConfirm] = useState('');
  const [message, setMessage] = useState('');
  const s = useSubmit();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMessage('');
    const errs: Record<string, string> = {};
    if (!current) errs.current_password = 'Please enter your current password';
    if (!fresh) errs.new_password = 'Please enter a new password';
    if (fresh && confirm !== fresh) errs.confirm_password = 'The passwords do not match';
    if (Object.keys(errs).length) {
      s.setFieldErrors(errs);
      return;
    }
    const ok = await s.run(async () => {
      const r = await meApi.changePassword({ current_password: current, new_password: fresh, confirm_password: confirm });
      setMessage(r?.message || 'Password changed successfully');
    }, ['current_password', 'new_password', 'confirm_password']);
    if (ok) {
      setCurrent('');
      setFresh('');
      setConfirm('');
      // Other sessions have ended; if this one has too, the next request's
      // 401 takes us to sign in.
      void refresh();
    }
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="password-heading">
      <h3 id="password-heading">Change password</h3>
      <p className="field-hint">Changing your password signs you out everywhere else.</p>
      <TextField label="Current password" id="password-current" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} error={s.fieldErrors.current_password} />
      <TextField label="New password" type="password" autoComplete="new-password" value={fresh} onChange={(e) => setFresh(e.target.value)} error={s.fieldErrors.new_password} />
      <TextField label="Confirm new password" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} error={s.fieldErrors.confirm_password} />
      <ErrorAlert error={s.error} />
      {message && <SuccessNote>{message}</SuccessNote>}
      <BusyButton busy={s.busy} busyText="Changing…">
        Change password
      </BusyButton>
    </form>
  );
}

export default function Account() {
  usePageTitle('My Account');
  return (
    <div className="account-page">
      <h1>My Account</h1>
      <Profile />
      <section className="panel" aria-labelledby="security-heading">
        <h2 id="security-heading">Change Security Settings</h2>
        <ChallengeForm />
        <hr />
        <PasswordForm />
      </section>
    </div>
  );
}
