import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { users } from '../api/endpoints';
import type { User } from '../api/types';
import { ErrorAlert, Loading, SuccessNote } from '../components/Alerts';
import { SelectField, TextField } from '../components/Field';
import { Pager } from '../components/Pager';
import { BusyButton } from '../components/SubmitButton';
import { useAuth } from '../context/AuthContext';
import { useAsync } from '../hooks/useAsync';
import { usePageTitle } from '../hooks/usePageTitle';
import { useSubmit } from '../hooks/useSubmit';

type UserAction = 'disable' | 'enable' | 'unlock' | 'invitation' | 'reset-link';

const ACTION_TEXT: Record<UserAction, [string, string, string]> = {
  disable: ['Disable', 'Disabling…', 'The user is disabled.'],
  enable: ['Enable', 'Enabling…', 'The user is enabled.'],
  unlock: ['Unlock', 'Unlocking…', 'The user is unlocked.'],
  invitation: ['Resend invitation', 'Sending…', 'A new invitation was sent.'],
  'reset-link': ['Send reset link', 'Sending…', 'A password reset link was sent.'],
};

function UserDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const u = useAsync(() => users.get(id), [id]);
  const act = useSubmit();
  const acc = useSubmit();
  const [running, setRunning] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [account, setAccount] = useState('');

  if (!u.data) return u.error ? <ErrorAlert error={u.error} /> : <Loading />;
  const user = u.data;

  const doAction = async (a: UserAction) => {
    setNote('');
    setRunning(a);
    const ok = await act.run(async () => {
      const r = await users.action(user.id, a);
      if (r && typeof r === 'object' && 'id' in r) u.setData(r as User);
    });
    setRunning(null);
    if (ok) setNote(ACTION_TEXT[a][2]);
  };
  const addAccount = async (e: FormEvent) => {
    e.preventDefault();
    setNote('');
    if (!account.trim()) {
      acc.setFieldErrors({ account_id: 'Please enter an account id' });
      return;
    }
    const ok = await acc.run(async () => u.setData(await users.addAccount(user.id, account.trim())), ['account_id']);
    if (ok) setAccount('');
  };
  const removeAccount = async (a: string) => {
    setNote('');
    setRunning(`remove-${a}`);
    await act.run(async () => u.setData(await users.removeAccount(user.id, a)));
    setRunning(null);
  };

  const actions: UserAction[] = [
    user.disabled ? 'enable' : 'disable',
    ...(user.locked ? (['unlock'] as UserAction[]) : []),
    ...(user.pending_activation ? (['invitation'] as UserAction[]) : []),
    'reset-link',
  ];
  return (
    <section className="panel user-detail" aria-labelledby="user-detail-heading">
      <h2 id="user-detail-heading">{user.name}</h2>
      <dl className="case-fields">
        {(
          [
            ['E-mail', user.email],
            ['Username', user.username || '—'],
            ['Phone', user.phone || '—'],
            ['Role', user.role],
            ['Status', [user.disabled ? 'Disabled' : 'Enabled', user.locked ? 'Locked' : '', user.pending_activation ? 'Not yet activated' : ''].filter(Boolean).join(', ')],
            ['Failed sign-ins', String(user.failed_logins ?? 0)],
          ] as [string, string][]
        ).map(([k, v]) => (
          <div key={k} className="case-field">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      <div className="case-actions" role="group" aria-label="User actions">
        {actions.map((a) => (
          <BusyButton key={a} type="button" className="btn" busy={running === a} busyText={ACTION_TEXT[a][1]} disabled={running !== null} onClick={() => doAction(a)}>
            {ACTION_TEXT[a][0]}
          </BusyButton>
        ))}
      </div>
      <ErrorAlert error={act.error} />
      {note && <SuccessNote>{note}</SuccessNote>}
      <h3>Accounts</h3>
      {user.account_ids.length === 0 ? (
        <p>No accounts.</p>
      ) : (
        <ul className="plain-list">
          {user.account_ids.map((a) => (
            <li key={a}>
              {a}{' '}
              <BusyButton type="button" className="btn btn-small btn-danger-outline" busy={running === `remove-${a}`} busyText="Removing…" disabled={running !== null} aria-label={`Remove account ${a}`} onClick={() => removeAccount(a)}>
                Remove
              </BusyButton>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={addAccount} noValidate className="inline-form">
        <TextField label="Add account (id)" value={account} onChange={(e) => setAccount(e.target.value)} error={acc.fieldErrors.account_id} />
        <ErrorAlert error={acc.error} />
        <BusyButton busy={acc.busy} busyText="Adding…">
          Add account
        </BusyButton>
      </form>
      <button type="button" className="btn" onClick={onClose}>
        Close user
      </button>
    </section>
  );
}

function InviteForm() {
  const { user: me } = useAuth();
  const [form, setForm] = useState({ email: '', name: '', role: 'customer', account_ids: '', phone: '' });
  const [done, setDone] = useState('');
  const s = useSubmit();
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone('');
    const errs: Record<string, string> = {};
    if (!form.email.trim()) errs.email = 'Please enter an e-mail address';
    if (!form.name.trim()) errs.name = 'Please enter a name';
    if (Object.keys(errs).length) {
      s.setFieldErrors(errs);
      return;
    }
    const ids = form.account_ids.split(',').map((x) => x.trim()).filter(Boolean);
    const ok = await s.run(async () => {
      const u = await users.invite({
        email: form.email.trim(),
        name: form.name.trim(),
        role: form.role,
        ...(ids.length ? { account_ids: ids } : {}),
        ...(form.phone.trim() ? { phone: form.phone.trim() } : {}),
      });
      setDone(`${u.name} was invited; an activation e-mail is on its way to ${u.email}.`);
    }, ['email', 'name', 'role', 'account_ids', 'phone']);
    if (ok) setForm({ email: '', name: '', role: 'customer', account_ids: '', phone: '' });
  };
  return (
    <section className="panel" aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite user</h2>
      <form onSubmit={submit} noValidate>
        <TextField label="E-mail" type="email" required value={form.email} onChange={set('email')} error={s.fieldErrors.email} />
        <TextField label="Name" required value={form.name} onChange={set('name')} error={s.fieldErrors.name} />
        <TextField label="Phone" type="tel" value={form.phone} onChange={set('phone')} error={s.fieldErrors.phone} />
        <SelectField label="Role" value={form.role} onChange={set('role')} error={s.fieldErrors.role}>
          <option value="customer">Customer</option>
          {me?.role === 'admin' && <option value="staff">Staff</option>}
          {me?.role === 'admin' && <option value="admin">Admin</option>}
        </SelectField>
        <TextField label="Account ids" hint="Separated by commas, e.g. ACC-1001" value={form.account_ids} onChange={set('account_ids')} error={s.fieldErrors.account_ids} />
        <ErrorAlert error={s.error} />
        {done && <SuccessNote>{done}</SuccessNote>}
        <BusyButton busy={s.busy} busyText="Inviting…">
          Invite user
        </BusyButton>
      </form>
    </section>
  );
}

export default function StaffUsers() {
  usePageTitle('Users');
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  const [stack, setStack] = useState<{ q: string; c: (string | null)[] }>({ q, c: [null] });
  const cursors = stack.q === q ? stack.c : [null];
  const after = cursors[cursors.length - 1];
  const [openId, setOpenId] = useState<string | null>(null);
  const list = useAsync(() => users.list(q, { size: 25, after }), [q, after]);
  const rows = list.data?.data ?? [];

  const search = (e: FormEvent) => {
    e.preventDefault();
    setParams(text.trim() ? { q: text.trim() } : {}, { replace: true });
  };

  return (
    <div className="staff-users">
      <h1>Users</h1>
      <form role="search" aria-label="Search users" onSubmit={search} className="inline-form">
        <TextField label="Search users" type="search" value={text} onChange={(e) => setText(e.target.value)} hint="Name, e-mail or username" />
        <button type="submit" className="btn btn-primary">
          Search
        </button>
      </form>
      {list.loading && <Loading />}
      <ErrorAlert error={list.error ?? undefined} />
      {list.data?.meta.truncated && <p className="field-hint">Only some matches are shown; type more words to narrow the search.</p>}
      {list.data && rows.length === 0 && <p>No users found.</p>}
      {rows.length > 0 && (
        <div className="table-scroll" role="region" aria-label="Users" tabIndex={0}>
          <table className="data-table">
            <caption className="visually-hidden">Users</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">E-mail</th>
                <th scope="col">Role</th>
                <th scope="col">Accounts</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((u) => (
                <tr key={u.id}>
                  <td data-label="Name">
                    <button type="button" className="link-button" aria-expanded={openId === u.id} onClick={() => setOpenId(openId === u.id ? null : u.id)}>
                      {u.name}
                    </button>
                  </td>
                  <td data-label="E-mail">{u.email}</td>
                  <td data-label="Role">{u.role}</td>
                  <td data-label="Accounts">{u.account_ids.join(', ') || '—'}</td>
                  <td data-label="Status">
                    {[u.disabled ? 'Disabled' : 'Enabled', u.locked ? 'Locked' : '', u.pending_activation ? 'Invited' : ''].filter(Boolean).join(', ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.data && (
        <Pager
          label="User pages"
          hasPrevious={cursors.length > 1}
          hasNext={Boolean(list.data.meta.has_more && list.data.meta.after_cursor)}
          onPrevious={() => setStack({ q, c: cursors.slice(0, -1) })}
          onNext={() => setStack({ q, c: [...cursors, list.data!.meta.after_cursor] })}
        />
      )}
      {openId && (
        <UserDetail
          key={openId}
          id={openId}
          onClose={() => {
            setOpenId(null);
            void list.reload();
          }}
        />
      )}
      <InviteForm />
    </div>
  );
}
