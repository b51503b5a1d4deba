import { useEffect, useRef } from 'react';
import { reportDown, reportUp } from '../api/connection';
import type { CaseSummary } from '../api/types';

/**
 * Subscribe to GET /api/v1/stream (Server-Sent Events, `event: case`) while
 * mounted; `onCase` gets each event's case summary. The browser resumes with
 * Last-Event-ID on its own. An error while reconnecting shows the
 * "Connection lost" banner until `open`. A stream the server refuses outright
 * (e.g. the route is missing, 404) closes; then a probe decides whether the
 * network is down (banner) or the stream is just unavailable (quiet retry
 * with back-off).
 */
export function useLiveStream(caseNumber: string | null | false, onCase: (c: CaseSummary) => void): void {
  const handler = useRef(onCase);
  handler.current = onCase;

  useEffect(() => {
    if (caseNumber === false) return;
    if (typeof EventSource === 'undefined') return;
    const url = '/api/v1/stream' + (caseNumber ? `?case=${encodeURIComponent(caseNumber)}` : '');
    let es: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let delay = 5000;
    let stopped = false;

    const onEvent = (e: MessageEvent) => {
      try {
        handler.current(JSON.parse(e.data) as CaseSummary);
      } catch {
        // ignore a malformed event
      }
    };

    const connect = () => {
      if (stopped) return;
      es = new EventSource(url, { withCredentials: true });
      es.addEventListener('open', () => {
        delay = 5000;
        reportUp('stream');
      });
      es.addEventListener('case', onEvent as EventListener);
      es.addEventListener('error', () => {
        if (!es) return;
        if (es.readyState === EventSource.CONNECTING) {
          reportDown('stream'); // the browser retries by itself
          return;
        }
        // CLOSED: the server refused it; find out whether we are offline.
        es.close();
        es = null;
        fetch('/api/v1/healthz', { credentials: 'same-origin', cache: 'no-store' })
          .then(() => reportUp('stream'))
          .catch(() => reportDown('stream'))
          .finally(() => {
            if (stopped) return;
            timer = setTimeout(connect, delay);
            delay = Math.min(delay * 2, 60000);
          });
      });
    };
    connect();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      es?.close();
      reportUp('stream');
    };
  }, [caseNumber]);
}
