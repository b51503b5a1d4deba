// The live chat's routes (docs/chat.md) and their JSON shapes. Messages go
// over the chat socket (hooks/useChatSocket.ts); everything else is HTTP.

import { api } from './client';

const enc = encodeURIComponent;

export interface ChatQueue {
  id: string;
  name: string;
  waiting: number;
  oldest_waiting_since: string | null;
  /** 0: nobody takes chats there now (the panel offers to leave a message). */
  agents_online: number;
}

export type ConversationState = 'waiting' | 'active' | 'ended';

export interface ChatPerson {
  id: string;
  name: string;
}

export interface Conversation {
  id: string;
  queue: string;
  queue_name: string;
  state: ConversationState;
  topic: string;
  customer: ChatPerson;
  account_ids: string[];
  agent: ChatPerson | null;
  place_in_queue: number | null;
  waited_s: number | null;
  started_at: string;
  ended_at: string | null;
  end_reason: 'customer' | 'agent' | 'idle' | null;
  case_numbers: string[];
  version: number;
}

export interface ChatItem {
  seq: number;
  kind: 'started' | 'message' | 'accepted' | 'transferred' | 'ended' | 'case_linked' | 'transcript_mailed';
  at: string;
  author: { id: string; name: string; role: 'customer' | 'agent' | 'system' };
  text?: string;
  client_message_id?: string;
  topic?: string;
  queue?: string;
  from_queue?: string;
  note?: string;
  end_reason?: 'customer' | 'agent' | 'idle' | null;
  case_number?: string;
  case_opened?: boolean;
}

export interface Presence {
  online: boolean;
  queues: string[];
  until: string | null;
  lease_s: number;
}

const path = (id: string, rest = '') => `/chat/conversations/${enc(id)}${rest}`;

export const chat = {
  queues: () => api.get<{ data: ChatQueue[] }>('/chat/queues').then((r) => r.data),
  start: (queue: string, topic: string) =>
    api.post<Conversation>('/chat/conversations', topic ? { queue, topic } : { queue }),
  /** A customer's own (or an agent's accepted) conversations, newest first. */
  mine: (openOnly: boolean) =>
    api
      .get<{ data: Conversation[] }>('/chat/conversations', {
        query: { view: 'mine', open: openOnly ? 'true' : 'false', 'page[size]': 20 },
      })
      .then((r) => r.data),
  waiting: () =>
    api
      .get<{ data: Conversation[] }>('/chat/conversations', { query: { view: 'waiting', 'page[size]': 50 } })
      .then((r) => r.data),
  get: (id: string) => api.get<Conversation>(path(id)),
  accept: (id: string) => api.post<Conversation>(path(id, '/accept'), {}),
  transfer: (id: string, queue: string, note: string) =>
    api.post<Conversation>(path(id, '/transfer'), note ? { queue, note } : { queue }),
  end: (id: string) => api.post<Conversation>(path(id, '/end'), {}),
  /** Opens a case from the chat (the transcript is its description); `end`: leave a message. */
  openCase: (id: string, body: { account_id?: string; subject?: string; end?: boolean } = {}) =>
    api.post<Conversation>(path(id, '/cases'), body),
  /** The notifier mails the customer the transcript (at most 3 times a chat). */
  mailTranscript: (id: string) => api.post<Conversation>(path(id, '/transcript/email'), {}),
  presence: () => api.get<Presence>('/chat/presence'),
  setPresence: (online: boolean, queues: string[]) =>
    api.put<Presence>('/chat/presence', online ? { online, queues } : { online }),
};
