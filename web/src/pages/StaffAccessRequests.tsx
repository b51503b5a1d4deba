import { useState, type FormEvent } from 'react';
import { accessRequests } from '../api/endpoints';
import type { AccessRequest } from '../api/types';
import { ErrorAlert, Loading, SuccessNote } from '../components/Alerts';
import { SelectField, TextArea, TextField } from '../components/Field';
import { Pager } from '../components/Pager';
import { BusyButton } from '../components/SubmitButton';
import { useAuth } from '../context/AuthContext';
import { useAsync } from '../hooks/useAsync';
import { usePageTitle } from '../hooks/usePageTitle';
import { useSubmit } from '../hooks/useSubmit';
import { formatDateTime } from '../lib/format';

function ApproveForm({ r, onDone }: { r: AccessRequest; onDone: (r: AccessRequest) => void }) {
  const { user } = useAuth();
  const [mode, setMode] = useState<'existing' | 'create'>('existing');
  const [accountId, setAccountId] = useState(r.account_number ?? '');
  const [number, setNumber] = useState(r.account_number ?? '');
  const [name, setName] = useState(r.account_name ?? '');
  const [role, setRole] = useState('customer');
  const [reason, setReason] = useState('');
  const s = useSubmit();
  const recovery = r.kind === 'recovery';
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!recovery && mode === 'existing' && !accountId.trim()) errs.account_id = 'Please enter an account id';
    if (!recovery && mode === 'create' && !number.trim()) errs['create_account.account_number'] = 'Please enter an account number';
    if (!recovery && mode === 'create' && !name.trim()) errs['create_account.name'] = 'Please enter the account name';
    if (Object.keys(errs).length) {
      s.setFieldErrors(errs);
      return;
    }
    await s.run(async () => {
      const body = recovery
        ? { ...(reason.trim() ? { reason: reason.trim() } : {}) }
        : {
            ...(mode === 'existing'
              ? { account_id: accountId.trim() }
              : {
                  create_account: {
                    account_number: number.trim(),
                    name: name.trim(),
                    ...(r.service_address ? { service_addresses: [r.service_address] } : {}),
                  },
                }),
            role,
            ...(reason.trim() ? { reason: reason.trim() } : {}),
          };
      onDone(await accessRequests.approve(r.id, body));
    }, ['account_id', 'create_account.account_number', 'create_account.name', 'role', 'reason']);
  };
  return (
    <form onSubmit={submit} noValidate className="staff-form">
      <h4>Approve</h4>
      {!recovery && (
        <>
          <fieldset>
            <legend>Account</legend>
            <label className="check">
              <input type="radio" name={`mode-${r.id}`} checked={mode === 'existing'} onChange={() => setMode('existing')} /> Existing account
            </label>
            <label className="check">
              <input type="radio" name={`mode-${r.id}`} checked={mode === 'create'} onChange={() => setMode('create')} /> Create account
            </label>
          </fieldset>
          {mode === 'existing' ? (
            <TextField label="Account id" value={accountId} onChange={(e) => setAccountId(e.target.value)} error={s.fieldErrors.account_id} />
          ) : (
            <>
              <TextField label="New account number" value={number} onChange={(e) => setNumber(e.target.value)} error={s.fieldErrors['create_account.account_number']} />
              <TextField label="New account name" value={name} onChange={(e) => setName(e.target.value)} error={s.fieldErrors['create_account.name']} />
            </>
          )}
          <SelectField label="Role" value={role} onChange={(e) => setRole(e.target.value)} error={s.fieldErrors.role}>
            <option value="customer">Customer</option>
            {user?.role === 'admin' && <option value="staff">Staff</option>}
            {user?.role === 'admin' && <option value="admin">Admin</option>}
          </SelectField>
        </>
      )}
      <TextField label="Note to the requester (optional)" value={reason} onChange={(e) => setReason(e.target.value)} error={s.fieldErrors.reason} />
      <ErrorAlert error={s.error} />
      <BusyButton busy={s.busy} busyText="Approving…">
        Approve
      </BusyButton>
    </form>
  );
}

function RejectForm({ r, onDone }: { r: AccessRequest; onDone: (r: AccessRequest) => void }) {
  const [reason, setReason] = useState('');
  const s = useSubmit();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!reason.trim()) {
      s.setFieldErrors({ reason: 'Please give a reason' });
      return;
    }
    await s.run(async () => onDone(await accessRequests.reject(r.id, reason.trim())), ['reason']);
  };
  return (
    <form onSubmit={submit} noValidate className="staff-form">
      <h4>Reject</h4>
      <TextArea label="Reason for rejecting" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} error={s.fieldErrors.reason} />
      <ErrorAlert error={s.error} />
      <BusyButton busy={s.busy} busyText="Rejecting…" className="btn btn-danger">
        Reject
      </BusyButton>
    </form>
  );
}

function RequestCard({ r: initial }: { r: AccessRequest }) {
  const [r, setR] = useState(initial);
  const [open, setOpen] = useState(false);
  const rows: [string, string | null | undefined][] = [
    ['Kind', r.kind === 'recovery' ? "Can't access email" : 'Portal access'],
    ['E-mail', r.email],
    ['Phone', r.phone],
    ['Account name', r.account_name],
    ['Account number', r.account_number],
    ['Service address', r.service_address],
    ['Description', r.description],
    ['Received', formatDateTime(r.created_at)],
    ['State', r.state],
    ['Reason', r.reason],
    ['Decided', r.decided_at ? formatDateTime(r.decided_at) : null],
  ];
  return (
    <li className="panel request-card">
      <h3>
        {r.name} <span className={`badge badge-request-${r.state}`}>{r.state}</span>
      </h3>
      <dl className="case-fields">
        {rows
          .filter(([, v]) => v)
          .map(([k, v]) => (
            <div key={k} className="case-field">
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
      </dl>
      {r.state === 'pending' && (
        <>
          <button type="button" className="btn" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
            {open ? 'Hide decision' : `Decide on ${r.name}'s request`}
          </button>
          {open && (
            <div className="decide">
              <ApproveForm r={r} onDone={setR} />
              <RejectForm r={r} onDone={setR} />
            </div>
          )}
        </>
      )}
      {r.state !== 'pending' && r.state !== initial.state && <SuccessNote>The request is {r.state}.</SuccessNote>}
    </li>
  );
}

export default function StaffAccessRequests() {
  usePageTitle('Access Requests');
  const [state, setState] = useState('pending');
  const [stack, setStack] = useState<(string | null)[]>([null]);
  const after = stack[stack.length - 1];
  const page = useAsync(() => accessRequests.list(state, { size: 25, after }), [state, after]);
  const rows = page.data?.data ?? [];
  return (
    <div>
      <h1>Access Requests</h1>
      <SelectField
        label="Show requests"
        value={state}
        onChange={(e) => {
          setState(e.target.value);
          setStack([null]);
        }}
      >
        <option value="pending">Pending</option>
        <option value="approved">Approved</option>
        <option value="rejected">Rejected</option>
        <option value="all">All</option>
      </SelectField>
      {page.loading && <Loading />}
      <ErrorAlert error={page.error ?? undefined} />
      {page.data && rows.length === 0 && <p>No requests.</p>}
      {rows.length > 0 && (
        <ul className="request-list">
          {rows.map((r) => (
            <RequestCard key={r.id} r={r} />
          ))}
        </ul>
      )}
      {page.data && (
        <Pager
          label="Request pages"
          hasPrevious={stack.length > 1}
          hasNext={Boolean(page.data.meta.has_more && page.data.meta.after_cursor)}
          onPrevious={() => setStack(stack.slice(0, -1))}
          onNext={() => setStack([...stack, page.data!.meta.after_cursor])}
        />
      )}
    </div>
  );
}
