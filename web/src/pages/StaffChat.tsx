// The agent console (/staff/chat): the agent's presence (online for the
// queues they take chats of, renewed while the page is open), the queues'
// waiting chats to accept, and the agent's open chats side by side, each
// with the customer's accounts and open cases beside it, and the means to
// transfer, end, or open a case from it.
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { chat, type ChatQueue, type Conversation, type Presence } from '../api/chat';
import { cases as casesApi } from '../api/endpoints';
import type { CaseSummary } from '../api/types';
import { ErrorAlert, Loading } from '../components/Alerts';
import { CheckboxGroup } from '../components/CheckboxGroup';
import { BusyButton } from '../components/SubmitButton';
import { ChatThread } from '../components/chat/ChatThread';
import { liveState } from '../components/chat/live';
import { useAuth } from '../context/AuthContext';
import { type ChatConnection, useChatSocket } from '../hooks/useChatSocket';
import { usePageTitle } from '../hooks/usePageTitle';
import { formatDateTime } from '../lib/format';

const POLL_MS = 3000;

/** The customer's open cases, beside their chat. */
function CustomerCases({ accountIds }: { accountIds: string[] }) {
  const [rows, setRows] = useState<CaseSummary[] | null>(null);
  const key = accountIds.join(',');
  useEffect(() => {
    casesApi
      .list({ account_id: accountIds, state: ['NEW', 'OPEN', 'AWAITING_INFO'], sort: 'updated' }, { size: 10 })
      .then((p) => setRows(p.data), () => setRows([]));
  }, [key]);
  if (!rows) return <Loading what="Loading cases…" />;
  if (rows.length === 0) return <p>No open cases.</p>;
  return (
    <ul className="chat-case-list">
      {rows.map((c) => (
        <li key={c.number}>
          <Link to={`/cases/${c.number}`}>{c.number}</Link> {c.subject}
        </li>
      ))}
    </ul>
  );
}

function AgentChat({
  c,
  conn,
  me,
  queues,
  onChanged,
}: {
  c: Conversation;
  conn: ChatConnection;
  me: string;
  queues: ChatQueue[];
  onChanged: () => void;
}) {
  const items = conn.itemsOf(c.id);
  const now = liveState(c, items);
  const over = now.state === 'ended';
  const ours = !over && now.agent?.id === me;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [account, setAccount] = useState(c.account_ids[0] ?? '');
  const others = queues.filter((q) => q.id !== c.queue);
  const [target, setTarget] = useState(others[0]?.id ?? '');
  const opened = items.filter((i) => i.kind === 'case_linked' && i.case_opened).map((i) => i.case_number!);
  const queueName = (id: string) => queues.find((q) => q.id === id)?.name ?? id;
  const run = async (what: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <article className="chat-window panel" aria-label={`Chat with ${c.customer.name}`}>
      <header className="chat-window-head">
        <h3>{c.customer.name}</h3>
        <p>
          {queueName(c.queue)}
          {c.topic ? ` · ${c.topic}` : ''}
        </p>
      </header>
      <div className="chat-window-body">
        <ChatThread
          conn={conn}
          conversation={c.id}
          me={me}
          queueName={queueName}
          forStaff
          canWrite={ours}
          label={`Messages with ${c.customer.name}`}
        />
        <section className="chat-customer" aria-label={`About ${c.customer.name}`}>
          <h4>Accounts</h4>
          <ul>
            {c.account_ids.map((a) => (
              <li key={a}>{a}</li>
            ))}
          </ul>
          <h4>Open cases</h4>
          <CustomerCases accountIds={c.account_ids} />
        </section>
      </div>
      <div className="chat-window-actions">
        {c.account_ids.length > 1 && (
          <label>
            Account{' '}
            <select value={account} onChange={(e) => setAccount(e.target.value)}>
              {c.account_ids.map((a) => (
                <option key={a}>{a}</option>
              ))}
            </select>
          </label>
        )}
        <BusyButton
          type="button"
          className="btn btn-secondary"
          busy={busy}
          busyText="Working…"
          onClick={() => void run(() => chat.openCase(c.id, account ? { account_id: account } : {}))}
        >
          Open a case from this chat
        </BusyButton>
        {opened.length > 0 && (
          <span role="status">
            Case <Link to={`/cases/${opened[opened.length - 1]}`}>{opened[opened.length - 1]}</Link> opened
          </span>
        )}
        {ours && others.length > 0 && (
          <>
            <label>
              Transfer to{' '}
              <select value={target} onChange={(e) => setTarget(e.target.value)}>
                {others.map((q) => (
                  <option key={q.id} value={q.id}>
                    {q.name}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              className="btn btn-secondary"
              disabled={busy}
              onClick={() => void run(() => chat.transfer(c.id, target, ''))}
            >
              Transfer
            </button>
          </>
        )}
        {ours ? (
          <button type="button" className="btn btn-secondary" disabled={busy} onClick={() => void run(() => chat.end(c.id))}>
            End chat
          </button>
        ) : (
          <span>{over ? 'The chat has ended.' : 'Transferred: another agent takes it from here.'}</span>
        )}
      </div>
      <ErrorAlert error={error} />
    </article>
  );
}

export default function StaffChat() {
  usePageTitle('Live chat');
  const { user } = useAuth();
  const conn = useChatSocket(true);
  const [queues, setQueues] = useState<ChatQueue[] | null>(null);
  const [presence, setPresence] = useState<Presence | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [waiting, setWaiting] = useState<Conversation[]>([]);
  const [mine, setMine] = useState<Conversation[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(() => {
    Promise.all([chat.queues(), chat.waiting(), chat.mine(true)]).then(
      ([q, w, m]) => {
        setQueues(q);
        setWaiting(w);
        // An ended chat stays until the agent looks away from the page.
        setMine((before) => [...m, ...before.filter((b) => !m.some((x) => x.id === b.id))]);
      },
      (e) => setError(e),
    );
  }, []);
  useEffect(() => {
    load();
    chat.presence().then(
      (p) => {
        setPresence(p);
        setChosen(p.online ? p.queues : []);
      },
      (e) => setError(e),
    );
    const t = window.setInterval(load, POLL_MS);
    return () => window.clearInterval(t);
  }, [load]);
  useEffect(() => {
    if (queues && chosen.length === 0 && presence && !presence.online) setChosen(queues.map((q) => q.id));
  }, [queues, presence]);

  // Online lasts a lease: renewed every third of it while this page is open.
  useEffect(() => {
    if (!presence?.online) return undefined;
    const t = window.setInterval(
      () => chat.setPresence(true, presence.queues).then(setPresence, () => {}),
      (presence.lease_s * 1000) / 3,
    );
    return () => window.clearInterval(t);
  }, [presence?.online, presence?.queues.join(','), presence?.lease_s]);

  const setOnline = async (online: boolean) => {
    setBusy(true);
    setError(null);
    try {
      setPresence(await chat.setPresence(online, chosen));
      load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const accept = async (id: string) => {
    setError(null);
    try {
      const c = await chat.accept(id);
      setMine((m) => [c, ...m.filter((x) => x.id !== c.id)]);
      load();
    } catch (e) {
      setError(e);
      load();
    }
  };
  const queueName = (id: string) => queues?.find((q) => q.id === id)?.name ?? id;
  // Online, an agent sees the chats waiting in their queues; offline, all.
  const shown = presence?.online ? waiting.filter((c) => presence.queues.includes(c.queue)) : waiting;

  return (
    <div className="staff-chat">
      <h1>Live chat</h1>
      <section className="panel chat-presence" aria-labelledby="chat-presence-h">
        <h2 id="chat-presence-h">Your status</h2>
        <p role="status">
          {presence === null
            ? 'Loading…'
            : presence.online
              ? `Online for ${presence.queues.map(queueName).join(', ')}`
              : 'Offline: customers are offered to leave a message'}
        </p>
        {queues && (
          <CheckboxGroup
            legend="Queues you take chats of"
            options={queues.map((q) => ({ value: q.id, label: q.name }))}
            value={chosen}
            onChange={setChosen}
          />
        )}
        <div className="form-actions">
          <BusyButton
            type="button"
            busy={busy}
            busyText="Saving…"
            disabled={chosen.length === 0}
            onClick={() => void setOnline(true)}
          >
            {presence?.online ? 'Update' : 'Go online'}
          </BusyButton>
          {presence?.online && (
            <button type="button" className="btn btn-secondary" disabled={busy} onClick={() => void setOnline(false)}>
              Go offline
            </button>
          )}
        </div>
      </section>
      <ErrorAlert error={error} />
      <section aria-labelledby="chat-waiting-h">
        <h2 id="chat-waiting-h">
          {presence?.online ? 'Waiting in your queues' : 'Waiting'} ({shown.length})
        </h2>
        {shown.length === 0 ? (
          <p>Nobody is waiting.</p>
        ) : (
          <div className="table-scroll" role="region" aria-label="Waiting chats" tabIndex={0}>
            <table className="data-table">
              <caption className="visually-hidden">Waiting chats, longest waiting first</caption>
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col">Queue</th>
                  <th scope="col">Topic</th>
                  <th scope="col">Waiting since</th>
                  <th scope="col">
                    <span className="visually-hidden">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((c) => (
                  <tr key={c.id}>
                    <td data-label="Customer">{c.customer.name}</td>
                    <td data-label="Queue">{c.queue_name}</td>
                    <td data-label="Topic">{c.topic || '—'}</td>
                    <td data-label="Waiting since">{formatDateTime(c.started_at)}</td>
                    <td>
                      <button
                        type="button"
                        className="btn btn-primary"
                        aria-label={`Accept the chat with ${c.customer.name}`}
                        onClick={() => void accept(c.id)}
                      >
                        Accept
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="chat-mine-h">
        <h2 id="chat-mine-h">Your chats</h2>
        {mine.length === 0 && <p>No open chats. Accept one from the queue.</p>}
        <div className="chat-console-grid">
          {conn &&
            queues &&
            mine.map((c) => (
              <AgentChat key={c.id} c={c} conn={conn} me={user?.id ?? ''} queues={queues} onChanged={load} />
            ))}
        </div>
      </section>
    </div>
  );
}
