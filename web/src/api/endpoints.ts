// Typed functions for every route the portal uses.

import { api, buildUrl } from './client';
import type {
  Account,
  AccessRequest,
  ActivityItem,
  Attachment,
  CaseDetail,
  CaseState,
  CaseSummary,
  Catalog,
  ChallengeQuestion,
  Feedback,
  Me,
  MessageAnswer,
  Overview,
  Page,
  PortalConfig,
  QuickLink,
  ServiceState,
  SystemStatus,
  User,
  Watcher,
} from './types';

const enc = encodeURIComponent;
const pub = { public: true } as const;

export interface PageParams {
  size?: number;
  after?: string | null;
}
function pageQuery(p?: PageParams) {
  return { 'page[size]': p?.size, 'page[after]': p?.after ?? undefined };
}

// ---- auth (public)
export const auth = {
  login: (login: string, password: string) =>
    api.post<{ user: User }>('/auth/login', { login, password }, pub),
  logout: () => api.post<void>('/auth/logout', {}, pub),
  forgot: (login: string) => api.post<MessageAnswer>('/auth/password/forgot', { login }, pub),
  resetCheck: (token: string) =>
    api.post<{ valid: boolean; email?: string; challenge_question?: ChallengeQuestion | string | null }>(
      '/auth/password/reset/check',
      { token },
      pub,
    ),
  reset: (token: string, password: string, answer?: string) =>
    api.post<void>('/auth/password/reset', answer ? { token, password, answer } : { token, password }, pub),
  activateCheck: (token: string) =>
    api.post<{ valid: boolean; email: string; name: string }>('/auth/activate/check', { token }, pub),
  activate: (token: string, password: string) => api.post<void>('/auth/activate', { token, password }, pub),
  unlock: (login: string) => api.post<MessageAnswer>('/auth/unlock', { login }, pub),
  unlockCheck: (token: string) =>
    api.post<{ valid: boolean; challenge_question: ChallengeQuestion | string | null }>(
      '/auth/unlock/check',
      { token },
      pub,
    ),
  unlockConfirm: (token: string, answer: string) => api.post<void>('/auth/unlock/confirm', { token, answer }, pub),
  challengeQuestions: () => api.get<{ data: ChallengeQuestion[] }>('/auth/challenge-questions', pub),
  help: (body: { name: string; email: string; phone?: string; account_name?: string; description: string }) =>
    api.post<MessageAnswer>('/auth/help', body, pub),
};

export const accessRequests = {
  create: (body: {
    name: string;
    phone: string;
    email: string;
    account_name: string;
    account_number?: string;
    service_address: string;
    description?: string;
  }) => api.post<MessageAnswer>('/access-requests', body, pub),
  list: (state: string, page?: PageParams) =>
    api.get<Page<AccessRequest>>('/access-requests', { query: { state, ...pageQuery(page) } }),
  approve: (
    id: string,
    body: {
      account_id?: string;
      create_account?: { account_number: string; name: string; service_addresses?: string[] };
      role?: string;
      reason?: string;
    },
  ) => api.post<AccessRequest>(`/access-requests/${enc(id)}/approve`, body),
  reject: (id: string, reason: string) => api.post<AccessRequest>(`/access-requests/${enc(id)}/reject`, { reason }),
};

// ---- me
export const me = {
  /** `quiet`: a 401 only means "not signed in" (no redirect to sign in). */
  get: (quiet = false) => api.get<Me>('/me', quiet ? pub : undefined),
  update: (body: { name?: string; phone?: string }) => api.patch<Me>('/me', body),
  changePassword: (body: { current_password: string; new_password: string; confirm_password: string }) =>
    api.post<MessageAnswer>('/me/password', body),
  setChallenge: (body: { question_id: string; answer: string; current_password: string }) =>
    api.put<MessageAnswer>('/me/challenge', body),
};

export const accounts = {
  get: (id: string) => api.get<Account>(`/accounts/${enc(id)}`),
};

// ---- users (staff)
export const users = {
  list: (q: string, page?: PageParams) => api.get<Page<User>>('/users', { query: { q, ...pageQuery(page) } }),
  get: (id: string) => api.get<User>(`/users/${enc(id)}`),
  invite: (body: { email: string; name: string; role: string; account_ids?: string[]; phone?: string }) =>
    api.post<User>('/users', body),
  action: (id: string, action: 'disable' | 'enable' | 'unlock' | 'invitation' | 'reset-link') =>
    api.post<User | undefined>(`/users/${enc(id)}/${action}`, {}),
  addAccount: (id: string, account_id: string) => api.post<User>(`/users/${enc(id)}/accounts`, { account_id }),
  removeAccount: (id: string, account: string) => api.del<User>(`/users/${enc(id)}/accounts/${enc(account)}`),
};

// ---- cases
export interface CaseFilters {
  state?: CaseState[];
  case_type?: string[];
  category?: string[];
  account_id?: string[];
  sort?: 'updated' | 'opened';
}

function caseQuery(f: CaseFilters) {
  return {
    state: f.state,
    case_type: f.case_type,
    category: f.category,
    account_id: f.account_id,
    sort: f.sort,
  };
}

export const cases = {
  catalog: () => api.get<Catalog>('/catalog'),
  overview: () => api.get<Overview>('/overview'),
  list: (f: CaseFilters, page?: PageParams) =>
    api.get<Page<CaseSummary>>('/cases', { query: { ...caseQuery(f), ...pageQuery(page) } }),
  exportUrl: (f: CaseFilters) => buildUrl('/cases/export.csv', caseQuery(f)),
  search: (q: string, page?: PageParams) =>
    api.get<Page<CaseSummary>>('/search', { query: { q, ...pageQuery(page) } }),
  create: (body: {
    account_id: string;
    case_type: string;
    category: string;
    subject: string;
    description: string;
    service_address?: string;
    fields?: Record<string, string>;
  }) => api.post<CaseDetail>('/cases', body),
  get: (n: string) => api.get<CaseDetail>(`/cases/${enc(n)}`),
  activity: (n: string, page?: PageParams) =>
    api.get<Page<ActivityItem>>(`/cases/${enc(n)}/activity`, { query: pageQuery(page) }),
  comment: (n: string, body: string) => api.post<CaseDetail>(`/cases/${enc(n)}/comments`, { body }),
  note: (n: string, body: string) => api.post<CaseDetail>(`/cases/${enc(n)}/notes`, { body }),
  attachments: (n: string) => api.get<{ data: Attachment[] }>(`/cases/${enc(n)}/attachments`),
  attachmentUrl: (n: string, id: string) => buildUrl(`/cases/${enc(n)}/attachments/${enc(id)}`),
  renameAttachment: (n: string, id: string, file_name: string) =>
    api.patch<Attachment>(`/cases/${enc(n)}/attachments/${enc(id)}`, { file_name }),
  deleteAttachment: (n: string, id: string) => api.del(`/cases/${enc(n)}/attachments/${enc(id)}`),
  watchers: (n: string) => api.get<{ data: Watcher[] }>(`/cases/${enc(n)}/watchers`),
  addWatcher: (n: string, email: string) => api.post<Watcher>(`/cases/${enc(n)}/watchers`, { email }),
  removeWatcher: (n: string, email: string) => api.del(`/cases/${enc(n)}/watchers/${enc(email)}`),
  transition: (n: string, action: CaseAction, body: Record<string, string> = {}) =>
    api.post<CaseDetail>(`/cases/${enc(n)}/${action}`, body),
};

export type CaseAction =
  | 'cancel'
  | 'accept'
  | 'request-info'
  | 'resolve'
  | 'close'
  | 'reopen'
  | 'accept-resolution'
  | 'reject-resolution';

// ---- portal
export const portal = {
  config: () => api.get<PortalConfig>('/portal', pub),
  quickLinks: () => api.get<{ data: QuickLink[] }>('/quick-links'),
  systemStatus: () => api.get<{ data: SystemStatus[] }>('/system-status'),
  setStatus: (service: string, status: ServiceState, message: string) =>
    api.put<SystemStatus>(`/system-status/${enc(service)}`, message ? { status, message } : { status }),
  sendFeedback: (body: { message: string; rating?: number; page?: string }) =>
    api.post<{ id: string }>('/feedback', body),
  feedback: (page?: PageParams) => api.get<Page<Feedback>>('/feedback', { query: pageQuery(page) }),
};
