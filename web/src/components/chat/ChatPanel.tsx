// The customer's live chat, opened from the chat button on every page: the
// greeting and the queue choice ("Would you like to connect to?"), then the
// conversation (the place in the queue while waiting, the agent once one
// accepted), ending it, and "leave a message" when no agent of the queue is
// online (a case opened with the transcript). A chat still open is picked
// up again on the next page or visit.
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { chat, type ChatQueue, type Conversation } from '../../api/chat';
import { useAuth } from '../../context/AuthContext';
import { usePortal } from '../../context/PortalContext';
import { useChatSocket } from '../../hooks/useChatSocket';
import { ErrorAlert, Loading } from '../Alerts';
import { BusyButton } from '../SubmitButton';
import { ChatThread } from './ChatThread';
import { liveState } from './live';

export default function ChatPanel({ onClose }: { onClose: () => void }) {
  const { user } = useAuth();
  const { product_name } = usePortal();
  const [queues, setQueues] = useState<ChatQueue[] | null>(null);
  const [conv, setConv] = useState<Conversation | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [topic, setTopic] = useState('');
  const [busy, setBusy] = useState(false);
  const conn = useChatSocket(conv !== null);

  useEffect(() => {
    Promise.all([chat.queues(), chat.mine(true)])
      .then(([q, mine]) => {
        setQueues(q);
        setConv(mine[0] ?? null);
      })
      .catch(setError)
      .finally(() => setLoading(false));
  }, []);

  const items = conn && conv ? conn.itemsOf(conv.id) : [];
  const now = conv ? liveState(conv, items) : null;
  const waiting = now?.state === 'waiting';

  // While waiting: the place in the queue, and whether anyone is online.
  const refresh = useCallback(() => {
    if (!conv) return;
    chat.get(conv.id).then(setConv, () => {});
    chat.queues().then(setQueues, () => {});
  }, [conv?.id]);
  useEffect(() => {
    if (!waiting) return undefined;
    refresh();
    const t = window.setInterval(refresh, 5000);
    return () => window.clearInterval(t);
  }, [waiting, refresh]);

  const queueName = (id: string) => queues?.find((q) => q.id === id)?.name ?? id;
  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await what();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const start = (queue: string) =>
    run(async () => {
      setConv(await chat.start(queue, topic.trim()));
      setTopic('');
    });
  const end = () => run(async () => setConv(await chat.end(conv!.id)));
  const leave = () => run(async () => setConv(await chat.openCase(conv!.id, { end: true })));
  const mail = () => run(async () => setConv(await chat.mailTranscript(conv!.id)));

  const offline = conv && queues ? (queues.find((q) => q.id === conv.queue)?.agents_online ?? 1) === 0 : false;
  const wrote = items.some((i) => i.kind === 'message' && i.author.id === user?.id);
  const firstName = (user?.name ?? '').split(' ')[0];
  const cases = items.filter((i) => i.kind === 'case_linked').map((i) => i.case_number!);

  return (
    <section id="chat-panel" className="chat-panel" aria-label="Live chat">
      <header className="chat-panel-head">
        <h2>Live chat</h2>
        <button type="button" className="chat-close" onClick={onClose} aria-label="Close the chat">
          ×
        </button>
      </header>
      <div className="chat-panel-body">
        {loading ? (
          <Loading />
        ) : !conv || !now ? (
          <div className="chat-greeting">
            <p className="chat-hello">
              Hi {firstName}, Welcome to {product_name}
            </p>
            <label htmlFor="chat-topic">What is it about? (optional)</label>
            <input
              id="chat-topic"
              maxLength={200}
              value={topic}
              onChange={(e) => setTopic(e.target.value)}
            />
            <p id="chat-connect-to">Would you like to connect to?</p>
            <div role="group" aria-labelledby="chat-connect-to" className="chat-queues">
              {(queues ?? []).map((q) => (
                <button
                  key={q.id}
                  type="button"
                  className="btn btn-secondary"
                  disabled={busy}
                  onClick={() => void start(q.id)}
                >
                  {q.name}
                  {q.agents_online === 0 && <span className="chat-queue-note"> (no agent online)</span>}
                </button>
              ))}
            </div>
          </div>
        ) : (
          <>
            <p className="chat-state" role="status">
              {now.state === 'waiting'
                ? `Waiting for an agent of ${queueName(conv.queue)}` +
                  (conv.place_in_queue ? `: you are number ${conv.place_in_queue} in the queue` : '')
                : now.state === 'active'
                  ? `You are chatting with ${now.agent?.name ?? 'an agent'}`
                  : 'This chat has ended.'}
            </p>
            {waiting && offline && (
              <div className="chat-offline">
                <p>
                  No agent of {queueName(conv.queue)} is online right now. Write your message and leave it: we
                  open a support case with this chat and answer you there.
                </p>
                <BusyButton
                  type="button"
                  className="btn btn-primary"
                  busy={busy}
                  busyText="Leaving your message…"
                  disabled={!wrote}
                  onClick={() => void leave()}
                >
                  Leave a message
                </BusyButton>
              </div>
            )}
            {conn && (
              <ChatThread
                conn={conn}
                conversation={conv.id}
                me={user?.id ?? ''}
                queueName={queueName}
                forStaff={false}
                canWrite={now.state !== 'ended'}
                label="Chat messages"
              />
            )}
            {cases.length > 0 && now.state === 'ended' && (
              <p className="chat-cases">
                Your case: <Link to={`/cases/${cases[cases.length - 1]}`}>{cases[cases.length - 1]}</Link>
              </p>
            )}
            <div className="chat-actions">
              {now.state !== 'ended' ? (
                <BusyButton type="button" className="btn btn-secondary" busy={busy} busyText="Ending…" onClick={() => void end()}>
                  End chat
                </BusyButton>
              ) : (
                <>
                  <BusyButton
                    type="button"
                    className="btn btn-secondary"
                    busy={busy}
                    busyText="Sending…"
                    disabled={items.some((i) => i.kind === 'transcript_mailed')}
                    onClick={() => void mail()}
                  >
                    E-mail me the transcript
                  </BusyButton>
                  <button type="button" className="btn btn-secondary" onClick={() => setConv(null)}>
                    Start a new chat
                  </button>
                </>
              )}
            </div>
          </>
        )}
        <ErrorAlert error={error} />
      </div>
    </section>
  );
}
