// The one place the portal talks HTTP. Same-origin fetches with the session
// cookie (never a token in storage), JSON bodies, problem documents turned
// into ApiError, and read-your-writes: the Docket-Position of the last
// command is sent back as Docket-Min-Position on the GETs that follow.

import { ApiError, NetworkError, type Problem } from './problem';
import { reportDown, reportUp } from './connection';

export const API = '/api/v1';

let lastPosition: string | null = null;
let positionConfirmed = true;
let gate: Promise<void> = Promise.resolve();

let onUnauthenticated: (() => void) | null = null;

/** Called on a 401 `unauthenticated` answer (the session ended). */
export function setUnauthenticatedHandler(fn: (() => void) | null): void {
  onUnauthenticated = fn;
}

/** Remember a Docket-Position from a command's answer. */
export function rememberPosition(p: string | null): void {
  if (!p) return;
  lastPosition = p;
  positionConfirmed = false;
}

export function currentPosition(): string | null {
  return lastPosition;
}

export interface RequestOptions {
  /** Query parameters; arrays are joined with commas, empty values dropped. */
  query?: Record<string, string | number | string[] | undefined | null>;
  body?: unknown;
  signal?: AbortSignal;
  /** Do not treat a 401 as "the session ended" (sign-in, public pages). */
  public?: boolean;
  headers?: Record<string, string>;
}

export interface ApiResponse<T> {
  data: T;
  status: number;
  headers: Headers;
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  const url = path.startsWith('/api/') ? path : API + path;
  if (!query) return url;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    const value = Array.isArray(v) ? v.join(',') : String(v);
    if (value === '') continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(value)}`);
  }
  return parts.length ? `${url}${url.includes('?') ? '&' : '?'}${parts.join('&')}` : url;
}

async function parseProblem(r: Response): Promise<Problem> {
  const text = await r.text().catch(() => '');
  try {
    const p = JSON.parse(text) as Problem;
    if (p && typeof p === 'object') return p;
  } catch {
    // not JSON
  }
  return { status: r.status, title: r.statusText, detail: text.slice(0, 200) || undefined };
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

async function send<T>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
  const url = buildUrl(path, opts.query);
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const isRead = method === 'GET';

  // While a write's position has not yet been seen by a read, reads queue
  // behind each other so that at most one waits on the server at a time.
  let release: (() => void) | null = null;
  if (isRead && lastPosition) {
    headers['Docket-Min-Position'] = lastPosition;
    if (!positionConfirmed) {
      const prev = gate;
      gate = new Promise<void>((res) => (release = res));
      await prev;
    }
  }
  try {
    for (let attempt = 0; ; attempt++) {
      let r: Response;
      try {
        r = await fetch(url, {
          method,
          headers,
          credentials: 'same-origin',
          cache: 'no-store',
          body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
          signal: opts.signal,
        });
      } catch (e) {
        if (e instanceof DOMException && e.name === 'AbortError') throw e;
        reportDown('fetch');
        throw new NetworkError();
      }
      reportUp('fetch');
      if (r.ok) {
        if (!isRead) rememberPosition(r.headers.get('Docket-Position'));
        else if (headers['Docket-Min-Position'] === lastPosition) positionConfirmed = true;
        const data = r.status === 204 ? (undefined as T) : await readJson<T>(r);
        return { data, status: r.status, headers: r.headers };
      }
      const problem = await parseProblem(r);
      // The read models have not reached the write yet: wait and retry.
      if (r.status === 503 && isRead && attempt < 3) {
        const after = Number(r.headers.get('Retry-After') ?? '1');
        await sleep(Math.min(5, Math.max(1, after || 1)) * 1000);
        continue;
      }
      const err = new ApiError(r.status, problem);
      if (r.status === 401 && !opts.public && err.slug !== 'invalid-credentials') {
        onUnauthenticated?.();
      }
      throw err;
    }
  } finally {
    (release as (() => void) | null)?.();
  }
}

async function readJson<T>(r: Response): Promise<T> {
  const text = await r.text();
  if (!text) return undefined as T;
  return JSON.parse(text) as T;
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions) => send<T>('GET', path, opts).then((r) => r.data),
  getFull: <T>(path: string, opts?: RequestOptions) => send<T>('GET', path, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) =>
    send<T>('POST', path, { ...opts, body: body ?? {} }).then((r) => r.data),
  put: <T>(path: string, body?: unknown, opts?: RequestOptions) =>
    send<T>('PUT', path, { ...opts, body: body ?? {} }).then((r) => r.data),
  patch: <T>(path: string, body?: unknown, opts?: RequestOptions) =>
    send<T>('PATCH', path, { ...opts, body: body ?? {} }).then((r) => r.data),
  del: <T = void>(path: string, opts?: RequestOptions) => send<T>('DELETE', path, opts).then((r) => r.data),
};

/**
 * Upload one file as multipart/form-data (part `file`) with progress, via
 * XMLHttpRequest since fetch reports no upload progress.
 */
export function upload<T>(
  path: string,
  file: File,
  onProgress: (fraction: number) => void,
): { promise: Promise<T>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<T>((resolve, reject) => {
    xhr.open('POST', buildUrl(path));
    xhr.withCredentials = false; // same-origin: the cookie goes anyway
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      reportUp('fetch');
      let body: unknown = undefined;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        rememberPosition(xhr.getResponseHeader('Docket-Position'));
        onProgress(1);
        resolve(body as T);
      } else {
        const problem = (body && typeof body === 'object' ? body : { detail: xhr.statusText }) as Problem;
        const err = new ApiError(xhr.status, problem);
        if (xhr.status === 401 && err.slug !== 'invalid-credentials') onUnauthenticated?.();
        reject(err);
      }
    };
    xhr.onerror = () => {
      reportDown('fetch');
      reject(new NetworkError());
    };
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}
