import { useConnectionLost } from '../hooks/useConnection';

export function ConnectionBanner() {
  const lost = useConnectionLost();
  return (
    <div className="connection-slot" role="status" aria-live="polite">
      {lost && <div className="connection-banner">Connection lost — reconnecting…</div>}
    </div>
  );
}
