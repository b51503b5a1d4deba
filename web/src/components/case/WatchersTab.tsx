import { useState, type FormEvent } from 'react';
import { cases } from '../../api/endpoints';
import type { CaseDetail, Watcher } from '../../api/types';
import { useSubmit } from '../../hooks/useSubmit';
import { ErrorAlert } from '../Alerts';
import { TextField } from '../Field';
import { BusyButton } from '../SubmitButton';

function RemoveButton({ number, email, onDone }: { number: string; email: string; onDone: () => void }) {
  const s = useSubmit();
  return (
    <span className="watcher-remove">
      <BusyButton
        type="button"
        className="btn btn-small btn-danger-outline"
        busy={s.busy}
        busyText="Removing…"
        aria-label={`Remove ${email}`}
        onClick={async () => {
          if (await s.run(() => cases.removeWatcher(number, email).then(() => undefined))) onDone();
        }}
      >
        Remove
      </BusyButton>
      <ErrorAlert error={s.error} />
    </span>
  );
}

export function WatchersTab({
  c,
  items,
  error,
  onChanged,
}: {
  c: CaseDetail;
  items: Watcher[] | undefined;
  error: unknown;
  onChanged: () => void;
}) {
  const [email, setEmail] = useState('');
  const s = useSubmit();
  const final = c.state === 'CLOSED' || c.state === 'CANCELLED';
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!email.trim()) {
      s.setFieldErrors({ email: 'Please enter an e-mail address' });
      return;
    }
    const ok = await s.run(async () => {
      await cases.addWatcher(c.number, email.trim());
    }, ['email']);
    if (ok) {
      setEmail('');
      onChanged();
    }
  };
  return (
    <div className="watchers">
      <p>Contacts on the watch list get an e-mail when this case changes.</p>
      <ErrorAlert error={error ?? undefined} />
      {items && items.length === 0 && <p>Nobody is on the watch list.</p>}
      {items && items.length > 0 && (
        <ul className="watcher-list">
          {items.map((w) => (
            <li key={w.email} className="watcher">
              <span>{w.email}</span>
              {!final && <RemoveButton number={c.number} email={w.email} onDone={onChanged} />}
            </li>
          ))}
        </ul>
      )}
      {!final && (
        <form onSubmit={add} noValidate className="inline-form">
          <TextField label="E-mail address to add" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} error={s.fieldErrors.email} />
          <ErrorAlert error={s.error} />
          <BusyButton busy={s.busy} busyText="Adding…">
            Add to watch list
          </BusyButton>
        </form>
      )}
    </div>
  );
}
