// The chat socket (GET /api/v1/chat/socket, docs/chat.md "The socket"): one
// per page that chats. It follows conversations (every item after the last
// one shown, in order, never twice), sends messages with a client id of
// their own (resent after a reconnect until acknowledged: the server
// answers a repeat with its first outcome, so nothing is lost or doubled),
// and relays typing indicators. It reconnects by itself, with back-off.

import { useEffect, useState, useSyncExternalStore } from 'react';
import type { ChatItem } from '../api/chat';

export type SocketStatus = 'connecting' | 'open' | 'closed';

interface Outgoing {
  conversation: string;
  client_message_id: string;
  text: string;
}

export interface Typing {
  author: { id: string; name: string };
  until: number;
}

export class ChatConnection {
  status: SocketStatus = 'connecting';
  /** A message the server refused, by client message id: the problem's words. */
  readonly failed = new Map<string, string>();
  private ws: WebSocket | null = null;
  private readonly items = new Map<string, ChatItem[]>();
  private readonly following = new Set<string>();
  private readonly pending = new Map<string, Outgoing>();
  private readonly typing = new Map<string, Typing>();
  private readonly listeners = new Set<() => void>();
  private version = 0;
  private retryMs = 500;
  private timer: number | undefined;
  private closed = false;
  private lastTyping = 0;

  constructor() {
    this.connect();
  }

  // ---- for React (useSyncExternalStore)
  subscribeStore = (fn: () => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };
  snapshot = () => this.version;

  itemsOf(conversation: string): ChatItem[] {
    return this.items.get(conversation) ?? [];
  }
  /** Messages sent and not yet acknowledged, oldest first. */
  pendingOf(conversation: string): Outgoing[] {
    return [...this.pending.values()].filter((m) => m.conversation === conversation);
  }
  /** Who is typing in `conversation` (on another socket), if anyone. */
  typingIn(conversation: string): Typing['author'] | null {
    const t = this.typing.get(conversation);
    return t && t.until > Date.now() ? t.author : null;
  }

  follow(conversation: string) {
    if (this.following.has(conversation)) return;
    this.following.add(conversation);
    this.sendSubscribe(conversation);
  }

  unfollow(conversation: string) {
    this.following.delete(conversation);
    this.send({ type: 'unsubscribe', conversation });
  }

  /** Sends `text`; it shows as pending until the server acknowledges it. */
  say(conversation: string, text: string) {
    const m: Outgoing = { conversation, client_message_id: newMessageId(), text };
    this.pending.set(m.client_message_id, m);
    this.send({ type: 'message', ...m });
    this.changed();
  }

  /** At most one typing signal a second. */
  typed(conversation: string) {
    const now = Date.now();
    if (now - this.lastTyping < 1000) return;
    this.lastTyping = now;
    this.send({ type: 'typing', conversation });
  }

  close() {
    this.closed = true;
    window.clearTimeout(this.timer);
    this.ws?.close();
  }

  private connect() {
    if (this.closed) return;
    const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${window.location.host}/api/v1/chat/socket`);
    this.ws = ws;
    this.status = 'connecting';
    ws.onopen = () => {
      this.status = 'open';
      this.retryMs = 500;
      // Resume every conversation after the last item shown, and resend
      // what was not acknowledged (the same client ids: no doubles).
      for (const c of this.following) this.sendSubscribe(c);
      for (const m of this.pending.values()) this.send({ type: 'message', ...m });
      this.changed();
    };
    ws.onmessage = (e) => this.receive(e.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.status = 'closed';
      this.changed();
      if (this.closed) return;
      this.timer = window.setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
  }

  private receive(data: unknown) {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(String(data));
    } catch {
      return;
    }
    switch (m.type) {
      case 'item': {
        const conversation = String(m.conversation);
        const item = m.item as ChatItem;
        const list = this.items.get(conversation) ?? [];
        if (list.length && list[list.length - 1].seq >= item.seq) return;  // shown already
        this.items.set(conversation, [...list, item]);
        if (item.client_message_id) this.pending.delete(item.client_message_id);
        if (item.kind === 'message') this.typing.delete(conversation);
        break;
      }
      case 'ack':
        this.pending.delete(String(m.client_message_id));
        break;
      case 'typing':
        this.typing.set(String(m.conversation), {
          author: m.author as Typing['author'],
          until: Date.now() + 3000,
        });
        window.setTimeout(() => this.changed(), 3100);
        break;
      case 'error': {
        const id = m.client_message_id ? String(m.client_message_id) : '';
        const problem = (m.problem ?? {}) as { detail?: string; title?: string };
        if (id && this.pending.delete(id)) {
          this.failed.set(id, problem.detail ?? problem.title ?? 'The message was not sent.');
        }
        break;
      }
      default:
        return;
    }
    this.changed();
  }

  private sendSubscribe(conversation: string) {
    const list = this.items.get(conversation);
    const after = list && list.length ? list[list.length - 1].seq : 0;
    this.send({ type: 'subscribe', conversation, after });
  }

  private send(message: object) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private changed() {
    this.version++;
    for (const fn of this.listeners) fn();
  }
}

function newMessageId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return 'm-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A chat socket while `enabled` (closed on unmount); re-renders on every change. */
export function useChatSocket(enabled: boolean): ChatConnection | null {
  const [conn, setConn] = useState<ChatConnection | null>(null);
  useEffect(() => {
    if (!enabled) return undefined;
    const c = new ChatConnection();
    setConn(c);
    return () => {
      c.close();
      setConn(null);
    };
  }, [enabled]);
  useSyncExternalStore(conn ? conn.subscribeStore : noStore, conn ? conn.snapshot : zero);
  return conn;
}

const noStore = () => () => {};
const zero = () => 0;
