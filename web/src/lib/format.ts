import type { CaseState, ServiceState } from '../api/types';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

export const STATE_LABEL: Record<CaseState, string> = {
  NEW: 'New',
  OPEN: 'Open',
  AWAITING_INFO: 'Awaiting info',
  RESOLVED: 'Resolved',
  CLOSED: 'Closed',
  CANCELLED: 'Cancelled',
};

export function stateLabel(s: string): string {
  return STATE_LABEL[s as CaseState] ?? s;
}

export const SERVICE_LABEL: Record<ServiceState, string> = {
  OPERATIONAL: 'Operational',
  DEGRADED: 'Degraded',
  OUTAGE: 'Outage',
  MAINTENANCE: 'Maintenance',
};

export function initials(name: string | undefined, email?: string): string {
  const words = (name ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length >= 2) return (words[0][0] + words[words.length - 1][0]).toUpperCase();
  if (words.length === 1) return words[0].slice(0, 2).toUpperCase();
  return (email ?? '?').slice(0, 2).toUpperCase();
}

/** "CS00000000123", "cs123", "123" → the full case number, or null. */
export function asCaseNumber(q: string): string | null {
  const m = /^\s*(?:cs)?0*(\d{1,11})\s*$/i.exec(q);
  if (!m) return null;
  return 'CS' + m[1].padStart(11, '0');
}

export function accountLabel(c: { account_name?: string; account_id: string }): string {
  return c.account_name || c.account_id;
}

/** Token of an e-mailed link: `#token=…` (what the mails send) or `?token=…`. */
export function linkToken(): string {
  const hash = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  return hash.get('token') ?? new URLSearchParams(window.location.search).get('token') ?? '';
}

export function questionText(q: unknown): string {
  if (!q) return '';
  if (typeof q === 'string') return q;
  if (typeof q === 'object' && q && 'text' in q) return String((q as { text: unknown }).text);
  return '';
}
