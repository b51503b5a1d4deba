// Whether the portal can reach the API. Two sources report: fetches that
// throw (the network is gone) and the live stream. The banner shows while
// either is down; a probe of /api/v1/healthz notices when fetches recover.

type Source = 'fetch' | 'stream';
type Listener = () => void;

const down = new Set<Source>();
const listeners = new Set<Listener>();
let probe: ReturnType<typeof setTimeout> | null = null;

function emit(): void {
  listeners.forEach((l) => l());
}

export function connectionLost(): boolean {
  return down.size > 0;
}

export function subscribeConnection(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export function reportDown(source: Source): void {
  const changed = !down.has(source);
  down.add(source);
  if (changed) emit();
  if (source === 'fetch') scheduleProbe();
}

export function reportUp(source: Source): void {
  if (down.delete(source)) emit();
}

function scheduleProbe(): void {
  if (probe) return;
  probe = setTimeout(async () => {
    probe = null;
    try {
      const r = await fetch('/api/v1/healthz', { credentials: 'same-origin', cache: 'no-store' });
      if (r.status < 500 || r.status === 503) {
        reportUp('fetch');
        return;
      }
    } catch {
      // still down
    }
    scheduleProbe();
  }, 3000);
}
