// RFC 9457 problem documents as the API answers them, and the error the
// client throws for every non-2xx answer.

export interface FieldError {
  field?: string;
  pointer?: string;
  message: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  rule?: string;
  errors?: FieldError[];
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `Request failed (${status})`);
    this.status = status;
    this.problem = problem;
  }

  /** The problem type's slug, e.g. "validation" or "invalid-credentials". */
  get slug(): string {
    const t = this.problem.type ?? '';
    return t.slice(t.lastIndexOf('/') + 1);
  }

  /** Field errors keyed by field name ("fields.server_name", "subject", …). */
  get fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      const key = fieldKey(e);
      if (key && !out[key]) out[key] = sentence(e.message);
    }
    return out;
  }
}

/** Network failure: fetch itself threw. */
export class NetworkError extends Error {
  constructor() {
    super('The portal cannot reach the server. Check your connection and try again.');
  }
}

function fieldKey(e: FieldError): string {
  if (e.field) return e.field;
  if (e.pointer) return e.pointer.replace(/^\//, '').replace(/\//g, '.');
  return '';
}

function sentence(s: string): string {
  if (!s) return s;
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const FRIENDLY: Record<string, string> = {
  unauthenticated: 'Your session has ended. Please sign in again.',
  forbidden: 'You are not allowed to do this.',
  'too-many-requests': 'Too many requests. Please wait a moment and try again.',
  'payload-too-large': 'That is too large to send.',
  internal: 'Something went wrong on our side. Please try again later.',
  'version-conflict': 'Someone else changed this meanwhile. Reload and try again.',
};

/** Plain words for an error of any kind, for alerts next to forms and buttons. */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.slug === 'validation' || err.slug === 'unprocessable') {
      const parts = (err.problem.errors ?? []).map((e) => {
        const k = fieldKey(e);
        return k ? `${humanField(k)}: ${e.message}` : e.message;
      });
      if (parts.length) return sentence(parts.join('; ')) + '.';
    }
    if (FRIENDLY[err.slug] && !err.problem.detail) return FRIENDLY[err.slug];
    if (err.slug === 'too-many-requests') return FRIENDLY[err.slug];
    if (err.slug === 'internal') return FRIENDLY.internal;
    const detail = err.problem.detail || err.problem.title || `Request failed (${err.status})`;
    return sentence(detail.endsWith('.') ? detail : detail + '.');
  }
  if (err instanceof NetworkError) return err.message;
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}

function humanField(k: string): string {
  const last = k.split('.').pop() ?? k;
  return last.replace(/_/g, ' ');
}
