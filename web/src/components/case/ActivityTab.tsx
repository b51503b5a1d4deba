import { useState, type FormEvent } from 'react';
import { cases } from '../../api/endpoints';
import type { ActivityItem, CaseDetail } from '../../api/types';
import { useSubmit } from '../../hooks/useSubmit';
import { activityText, activityWhat } from '../../lib/activity';
import { formatDateTime } from '../../lib/format';
import { ErrorAlert } from '../Alerts';
import { TextArea } from '../Field';
import { BusyButton } from '../SubmitButton';

function Composer({
  label,
  button,
  busyText,
  send,
  note,
}: {
  label: string;
  button: string;
  busyText: string;
  send: (body: string) => Promise<void>;
  note?: boolean;
}) {
  const [body, setBody] = useState('');
  const s = useSubmit();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!body.trim()) {
      s.setFieldErrors({ body: 'Please type a message' });
      return;
    }
    const ok = await s.run(async () => send(body.trim()), ['body']);
    if (ok) setBody('');
  };
  return (
    <form onSubmit={submit} noValidate className={`composer ${note ? 'composer-note' : ''}`}>
      <TextArea label={label} placeholder={label} value={body} maxLength={20000} onChange={(e) => setBody(e.target.value)} error={s.fieldErrors.body} />
      <ErrorAlert error={s.error} />
      <BusyButton busy={s.busy} busyText={busyText}>
        {button}
      </BusyButton>
    </form>
  );
}

export function ActivityTab({
  c,
  items,
  hasMore,
  onMore,
  loadingMore,
  isStaff,
  onChanged,
}: {
  c: CaseDetail;
  items: ActivityItem[];
  hasMore: boolean;
  onMore: () => void;
  loadingMore: boolean;
  isStaff: boolean;
  onChanged: (c: CaseDetail) => void;
}) {
  const [newestFirst, setNewestFirst] = useState(false);
  const final = c.state === 'CLOSED' || c.state === 'CANCELLED';
  const shown = newestFirst ? [...items].reverse() : items;
  return (
    <div className="activity">
      <div className="list-toolbar">
        <label className="inline-field">
          Order{' '}
          <select value={newestFirst ? 'newest' : 'oldest'} onChange={(e) => setNewestFirst(e.target.value === 'newest')}>
            <option value="oldest">Oldest first</option>
            <option value="newest">Newest first</option>
          </select>
        </label>
      </div>
      {items.length === 0 ? (
        <p>No activity yet.</p>
      ) : (
        <ol className="activity-list">
          {shown.map((a) => {
            const internal = a.internal || a.type === 'internal_note';
            const text = activityText(a);
            return (
              <li key={`${a.version}-${a.type}`} className={`activity-item ${internal ? 'activity-internal' : ''} activity-${a.type}`}>
                <p className="activity-head">
                  {internal && <span className="badge badge-internal">Internal</span>}{' '}
                  <strong>{a.actor.display_name}</strong>
                  {a.actor.role === 'staff' || a.actor.role === 'admin' ? <span className="actor-role"> (Support)</span> : null}{' '}
                  {activityWhat(a)}
                  <span className="activity-when">
                    {' · '}
                    <time dateTime={a.at}>{formatDateTime(a.at)}</time>
                  </span>
                </p>
                {text && <p className="activity-body">{text}</p>}
              </li>
            );
          })}
        </ol>
      )}
      {hasMore && (
        <button type="button" className="btn" onClick={onMore} disabled={loadingMore}>
          {loadingMore ? 'Loading…' : 'Show more activity'}
        </button>
      )}
      {final ? (
        <p className="field-hint">This case is {c.state === 'CLOSED' ? 'closed' : 'cancelled'}; no more messages can be added.</p>
      ) : (
        <>
          <Composer
            label="Type your message here"
            button="Send"
            busyText="Sending…"
            send={async (body) => onChanged(await cases.comment(c.number, body))}
          />
          {isStaff && (
            <Composer
              label="Internal note"
              button="Add internal note"
              busyText="Saving…"
              note
              send={async (body) => onChanged(await cases.note(c.number, body))}
            />
          )}
        </>
      )}
    </div>
  );
}
