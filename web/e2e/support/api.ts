// A small client of the HTTP API for seeding data and checking outcomes
// (the browser is what the specs test; this only prepares and verifies).
// It signs in for a bearer token and sends the last Docket-Position back
// as Docket-Min-Position, so each read sees the writes before it.
import { env } from './env';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: ${status} ${body.slice(0, 500)}`);
  }
}

export class Api {
  private position: string | undefined;
  // Set by signIn: a user keeps at most 20 live sessions and a new one ends
  // the oldest, so a long-lived client signs in again when its session ends.
  private credentials?: { login: string; password: string };

  constructor(
    readonly base: string,
    private token?: string,
  ) {}

  static async signIn(login: string, password: string, base = env().api): Promise<Api> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = await fetch(`${base}/auth/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ login, password }),
      });
      const text = await r.text();
      if (r.ok) {
        const api = new Api(base, JSON.parse(text).token as string);
        api.credentials = { login, password };
        return api;
      }
      // A just-activated user may not be in this gateway's read model yet.
      if (Date.now() > deadline || (r.status !== 401 && r.status !== 503)) {
        throw new ApiError(r.status, text, `sign in as ${login}`);
      }
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  async call<T = any>(method: string, path: string, body?: unknown, expect?: number): Promise<T> {
    try {
      return await this.once<T>(method, path, body, expect);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401 || !this.credentials || path.startsWith('/auth/')) throw e;
      this.token = (await Api.signIn(this.credentials.login, this.credentials.password, this.base)).token;
      return this.once<T>(method, path, body, expect);
    }
  }

  private async once<T>(method: string, path: string, body?: unknown, expect?: number): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method === 'GET' && this.position) headers['Docket-Min-Position'] = this.position;
    const r = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const p = r.headers.get('Docket-Position');
    if (p) this.position = p;
    const text = await r.text();
    if (expect ? r.status !== expect : !r.ok) throw new ApiError(r.status, text, `${method} ${path}`);
    return (text && r.headers.get('Content-Type')?.includes('json') ? JSON.parse(text) : text) as T;
  }

  get<T = any>(path: string) {
    return this.call<T>('GET', path);
  }
  post<T = any>(path: string, body: unknown = {}, expect?: number) {
    return this.call<T>('POST', path, body, expect);
  }
  put<T = any>(path: string, body: unknown) {
    return this.call<T>('PUT', path, body);
  }

  // Opens a Technical Support / Internet case (or what `overrides` say) and
  // reads it back, so the read models (what the browser reads) have it.
  async openCase(account: string, overrides: Record<string, unknown> = {}): Promise<any> {
    const created = await this.newCase(account, overrides);
    return this.get(`/cases/${created.number}`);
  }

  // Opens the case without waiting for the read models (bulk seeding).
  async newCase(account: string, overrides: Record<string, unknown> = {}): Promise<any> {
    return this.post('/cases', {
      account_id: account,
      case_type: 'technical-support',
      category: 'internet',
      subject: 'Internet is down',
      description: 'No traffic passes the router since this morning.',
      ...overrides,
    });
  }
}

// A word no analyzer splits or stems into something common.
export function uniqueWord(prefix = 'zq'): string {
  const letters = 'bcdfghjklmnpqrstvwxz';
  let w = prefix;
  for (let i = 0; i < 10; i++) w += letters[Math.floor(Math.random() * letters.length)];
  return w;
}
