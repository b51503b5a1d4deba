import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { portal } from '../api/endpoints';
import { SERVICE_STATES, type ServiceState, type SystemStatus as Status } from '../api/types';
import { ErrorAlert, Loading, SuccessNote } from '../components/Alerts';
import { ServiceBadge } from '../components/Badges';
import { SelectField, TextField } from '../components/Field';
import { BusyButton } from '../components/SubmitButton';
import { useAuth } from '../context/AuthContext';
import { useAsync } from '../hooks/useAsync';
import { usePageTitle } from '../hooks/usePageTitle';
import { useSubmit } from '../hooks/useSubmit';
import { SERVICE_LABEL, formatDateTime } from '../lib/format';

export function serviceName(s: Status): string {
  if (s.name) return s.name;
  return s.service.replace(/-/g, ' ').replace(/\b\w/g, (ch) => ch.toUpperCase());
}

function PostStatusForm({ s, name, onPosted }: { s: Status; name: string; onPosted: (n: Status) => void }) {
  const [status, setStatus] = useState<ServiceState>(s.status);
  const [message, setMessage] = useState(s.message);
  const [done, setDone] = useState(false);
  const sub = useSubmit();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(false);
    await sub.run(async () => {
      const n = await portal.setStatus(s.service, status, message.trim());
      onPosted(n);
      setDone(true);
    }, ['status', 'message']);
  };
  return (
    <form onSubmit={submit} noValidate className="status-form">
      <SelectField label={`Status for ${name}`} value={status} onChange={(e) => setStatus(e.target.value as ServiceState)} error={sub.fieldErrors.status}>
        {SERVICE_STATES.map((st) => (
          <option key={st} value={st}>
            {SERVICE_LABEL[st]}
          </option>
        ))}
      </SelectField>
      <TextField label={`Message for ${name}`} value={message} maxLength={1000} onChange={(e) => setMessage(e.target.value)} error={sub.fieldErrors.message} />
      <ErrorAlert error={sub.error} />
      {done && <SuccessNote>Status posted.</SuccessNote>}
      <BusyButton busy={sub.busy} busyText="Posting…">
        Post status for {name}
      </BusyButton>
    </form>
  );
}

export default function SystemStatus() {
  usePageTitle('System Status');
  const { isStaff } = useAuth();
  const list = useAsync(() => portal.systemStatus().then((r) => r.data), []);

  return (
    <div className="system-status">
      <h1>System Status</h1>
      <section aria-labelledby="current-heading" className="panel">
        <h2 id="current-heading">Current Status</h2>
        {list.loading && <Loading />}
        <ErrorAlert error={list.error ?? undefined} />
        {list.data && list.data.length === 0 && <p>No services are listed.</p>}
        {list.data && list.data.length > 0 && (
          <ul className="status-list">
            {list.data.map((s) => {
              const name = serviceName(s);
              return (
                <li key={s.service} className={`status-item status-${s.status.toLowerCase()}`}>
                  <div className="status-head">
                    <h3>{name}</h3>
                    <ServiceBadge status={s.status} />
                  </div>
                  <p className="status-message">{s.message || 'No known problems.'}</p>
                  <p className="status-updated">
                    Updated <time dateTime={s.updated_at}>{formatDateTime(s.updated_at)}</time>
                  </p>
                  <Link className="btn" to={`/cases/new?type=technical-support&service=${encodeURIComponent(name)}`}>
                    Open a case about {name}
                  </Link>
                  {isStaff && (
                    <PostStatusForm
                      s={s}
                      name={name}
                      onPosted={(n) => list.setData(list.data!.map((x) => (x.service === n.service ? { ...x, ...n } : x)))}
                    />
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </section>
    </div>
  );
}
