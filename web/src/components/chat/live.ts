// What a conversation's transcript tells of it now: the transcript (from
// the chat socket) runs ahead of the conversation's row (from HTTP), so
// the panel and the agent console both read its state and agent from here.
import type { ChatItem, ChatPerson, Conversation, ConversationState } from '../../api/chat';

export function liveState(
  conv: Conversation,
  items: ChatItem[],
): { state: ConversationState; agent: ChatPerson | null } {
  let state = conv.state;
  let agent = conv.agent;
  for (const it of items) {
    if (it.kind === 'accepted') {
      state = 'active';
      agent = { id: it.author.id, name: it.author.name };
    } else if (it.kind === 'transferred') {
      state = 'waiting';
      agent = null;
    } else if (it.kind === 'ended') {
      state = 'ended';
    }
  }
  return { state, agent };
}
