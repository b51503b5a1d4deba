import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { accessRequests } from '../api/endpoints';
import { ErrorAlert, SuccessNote } from '../components/Alerts';
import { TextArea, TextField } from '../components/Field';
import { BusyButton } from '../components/SubmitButton';
import { usePageTitle } from '../hooks/usePageTitle';
import { useSubmit } from '../hooks/useSubmit';

const FIELDS = ['name', 'phone', 'email', 'account_name', 'account_number', 'service_address', 'description'];
type Form = Record<(typeof FIELDS)[number], string>;

const REQUIRED: Record<string, string> = {
  name: 'Please enter your name',
  phone: 'Please enter a phone number',
  email: 'Please enter your e-mail address',
  account_name: 'Please enter the account name',
  service_address: 'Please enter the service address',
};

export default function RequestAccess() {
  usePageTitle('Request portal access');
  const [form, setForm] = useState<Form>(Object.fromEntries(FIELDS.map((f) => [f, ''])));
  const [message, setMessage] = useState('');
  const s = useSubmit();
  const set = (k: string) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    for (const [k, msg] of Object.entries(REQUIRED)) if (!form[k].trim()) errs[k] = msg;
    if (Object.keys(errs).length) {
      s.setFieldErrors(errs);
      return;
    }
    await s.run(async () => {
      const body = {
        name: form.name.trim(),
        phone: form.phone.trim(),
        email: form.email.trim(),
        account_name: form.account_name.trim(),
        service_address: form.service_address.trim(),
        ...(form.account_number.trim() ? { account_number: form.account_number.trim() } : {}),
        ...(form.description.trim() ? { description: form.description.trim() } : {}),
      };
      const r = await accessRequests.create(body);
      setMessage(r?.message || 'Thank you. We have received your request and will e-mail you.');
    }, FIELDS);
  };

  const f = (key: string, label: string, extra: Partial<Parameters<typeof TextField>[0]> = {}) => (
    <TextField
      label={label}
      required={key in REQUIRED}
      value={form[key]}
      onChange={set(key)}
      error={s.fieldErrors[key]}
      {...extra}
    />
  );

  return (
    <section className="auth-card wide">
      <h1>Request portal access</h1>
      {message ? (
        <SuccessNote>{message}</SuccessNote>
      ) : (
        <>
          <p>Fill in this form and our team will set up your portal account. You will get an e-mail with a link to choose your password.</p>
          <form onSubmit={submit} noValidate>
            {f('name', 'Name', { autoComplete: 'name' })}
            {f('phone', 'Phone', { type: 'tel', autoComplete: 'tel' })}
            {f('email', 'E-mail', { type: 'email', autoComplete: 'email' })}
            {f('account_name', 'Account name', { autoComplete: 'organization' })}
            {f('account_number', 'Account number (optional)')}
            {f('service_address', 'Service address', { autoComplete: 'street-address' })}
            <TextArea label="Description" value={form.description} onChange={set('description')} error={s.fieldErrors.description} />
            <ErrorAlert error={s.error} />
            <BusyButton busy={s.busy} busyText="Sending…">
              Request access
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
