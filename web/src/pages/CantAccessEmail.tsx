import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { auth } from '../api/endpoints';
import { ErrorAlert, SuccessNote } from '../components/Alerts';
import { TextArea, TextField } from '../components/Field';
import { BusyButton } from '../components/SubmitButton';
import { usePageTitle } from '../hooks/usePageTitle';
import { useSubmit } from '../hooks/useSubmit';

const FIELDS = ['name', 'email', 'phone', 'account_name', 'description'];

export default function CantAccessEmail() {
  usePageTitle("Can't access email");
  const [form, setForm] = useState({ name: '', email: '', phone: '', account_name: '', description: '' });
  const [message, setMessage] = useState('');
  const s = useSubmit();
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!form.name.trim()) errs.name = 'Please enter your name';
    if (!form.email.trim()) errs.email = 'Please enter an e-mail address we can reach you at';
    if (!form.description.trim()) errs.description = 'Please describe the problem';
    if (Object.keys(errs).length) {
      s.setFieldErrors(errs);
      return;
    }
    await s.run(async () => {
      const r = await auth.help({
        name: form.name.trim(),
        email: form.email.trim(),
        description: form.description.trim(),
        ...(form.phone.trim() ? { phone: form.phone.trim() } : {}),
        ...(form.account_name.trim() ? { account_name: form.account_name.trim() } : {}),
      });
      setMessage(r?.message || 'Thank you. Our support team will contact you.');
    }, FIELDS);
  };

  return (
    <section className="auth-card wide">
      <h1>Can't access email</h1>
      {message ? (
        <SuccessNote>{message}</SuccessNote>
      ) : (
        <>
          <p>If you can no longer read the e-mail address of your portal account, tell us who you are. Our support team will check and contact you.</p>
          <form onSubmit={submit} noValidate>
            <TextField label="Name" required autoComplete="name" value={form.name} onChange={set('name')} error={s.fieldErrors.name} />
            <TextField label="E-mail" required type="email" autoComplete="email" value={form.email} onChange={set('email')} error={s.fieldErrors.email} hint="An address we can reach you at now" />
            <TextField label="Phone" type="tel" autoComplete="tel" value={form.phone} onChange={set('phone')} error={s.fieldErrors.phone} />
            <TextField label="Account name" autoComplete="organization" value={form.account_name} onChange={set('account_name')} error={s.fieldErrors.account_name} />
            <TextArea label="Description" required value={form.description} onChange={set('description')} error={s.fieldErrors.description} />
            <ErrorAlert error={s.error} />
            <BusyButton busy={s.busy} busyText="Sending…">
              Send request
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
