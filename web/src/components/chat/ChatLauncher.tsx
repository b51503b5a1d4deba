// The chat button on every page of a signed-in customer; the panel (its
// own chunk) opens beside the page.
import { lazy, Suspense, useState } from 'react';
import { useAuth } from '../../context/AuthContext';

const ChatPanel = lazy(() => import('./ChatPanel'));

export function ChatLauncher() {
  const { user, isStaff } = useAuth();
  const [open, setOpen] = useState(false);
  if (!user || isStaff) return null;
  return (
    <aside className="chat-dock" aria-label="Live chat with support">
      <button
        type="button"
        className="btn btn-primary chat-launcher"
        aria-expanded={open}
        aria-controls="chat-panel"
        onClick={() => setOpen((o) => !o)}
      >
        Live chat
      </button>
      {open && (
        <Suspense fallback={null}>
          <ChatPanel onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </aside>
  );
}
