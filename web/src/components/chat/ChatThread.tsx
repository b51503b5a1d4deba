// One conversation's thread: its transcript as it arrives on the chat
// socket, the messages still being sent, who is typing, and the box to
// write in. Shared by the customer's chat panel and the agent console.
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Link } from 'react-router-dom';
import type { ChatItem } from '../../api/chat';
import type { ChatConnection } from '../../hooks/useChatSocket';

function itemText(item: ChatItem, queueName: (id: string) => string, forStaff: boolean): string {
  switch (item.kind) {
    case 'started':
      return `Chat started in ${queueName(item.queue ?? '')}${item.topic ? `: ${item.topic}` : ''}`;
    case 'accepted':
      return `${item.author.name} joined the chat`;
    case 'transferred':
      return `Transferred to ${queueName(item.queue ?? '')}${forStaff && item.note ? ` (note: ${item.note})` : ''}`;
    case 'ended':
      return item.end_reason === 'idle' ? 'The chat ended after a long silence' : 'The chat ended';
    case 'transcript_mailed':
      return 'The transcript was sent by e-mail';
    default:
      return '';
  }
}

export function ChatThread({
  conn,
  conversation,
  me,
  queueName,
  forStaff,
  canWrite,
  label,
}: {
  conn: ChatConnection;
  conversation: string;
  me: string;
  queueName: (id: string) => string;
  forStaff: boolean;
  canWrite: boolean;
  label: string;
}) {
  const items = conn.itemsOf(conversation);
  const pending = conn.pendingOf(conversation);
  const typing = conn.typingIn(conversation);
  const [text, setText] = useState('');
  const [failed, setFailed] = useState<string | null>(null);
  const end = useRef<HTMLLIElement>(null);

  // Block bodies: an effect returns its clean-up or nothing (Chromium's
  // scrollIntoView may return a promise).
  useEffect(() => {
    conn.follow(conversation);
  }, [conn, conversation]);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'nearest' });
  }, [items.length, pending.length]);

  const send = (e?: FormEvent) => {
    e?.preventDefault();
    const t = text.trim();
    if (!t) return;
    setFailed(null);
    conn.say(conversation, t);
    setText('');
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey) send(e);
  };
  const refused = [...conn.failed.values()].pop();
  useEffect(() => {
    if (refused) setFailed(refused);
  }, [refused]);

  return (
    <div className="chat-thread">
      <div className="chat-log" role="log" aria-label={label} aria-live="polite">
        <ol className="chat-items">
          {items.map((item) =>
            item.kind === 'message' ? (
              <li
                key={item.seq}
                className={`chat-message ${item.author.id === me ? 'chat-mine' : 'chat-theirs'}`}
              >
                <span className="chat-author">{item.author.id === me ? 'You' : item.author.name}</span>
                <span className="chat-text">{item.text}</span>
                <time className="chat-time" dateTime={item.at}>
                  {new Date(item.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
                </time>
              </li>
            ) : item.kind === 'case_linked' ? (
              <li key={item.seq} className="chat-event">
                Case <Link to={`/cases/${item.case_number}`}>{item.case_number}</Link>{' '}
                {item.case_opened ? 'was opened from this chat' : 'was linked to this chat'}
              </li>
            ) : (
              <li key={item.seq} className="chat-event">
                {itemText(item, queueName, forStaff)}
              </li>
            ),
          )}
          {pending.map((m) => (
            <li key={m.client_message_id} className="chat-message chat-mine chat-pending">
              <span className="chat-author">You</span>
              <span className="chat-text">{m.text}</span>
              <span className="chat-time">Sending…</span>
            </li>
          ))}
          <li ref={end} className="chat-end" aria-hidden="true" />
        </ol>
      </div>
      <p className="chat-typing" aria-live="polite">
        {typing && typing.id !== me ? `${typing.name} is typing…` : ''}
      </p>
      {conn.status !== 'open' && <p className="chat-status">Reconnecting…</p>}
      {failed && (
        <div role="alert" className="alert alert-error">
          {failed}
        </div>
      )}
      {canWrite && (
        <form className="chat-compose" onSubmit={send}>
          <label htmlFor={`chat-text-${conversation}`} className="visually-hidden">
            Type a message
          </label>
          <textarea
            id={`chat-text-${conversation}`}
            rows={2}
            maxLength={2000}
            placeholder="Type a message"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              conn.typed(conversation);
            }}
            onKeyDown={onKey}
          />
          <button type="submit" className="btn btn-primary" disabled={!text.trim()}>
            Send
          </button>
        </form>
      )}
    </div>
  );
}
