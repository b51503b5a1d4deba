// Shapes of the Docket API's JSON (docs/api.md, api/openapi.yaml).

export type CaseState = 'NEW' | 'OPEN' | 'AWAITING_INFO' | 'RESOLVED' | 'CLOSED' | 'CANCELLED';
export const CASE_STATES: CaseState[] = ['NEW', 'OPEN', 'AWAITING_INFO', 'RESOLVED', 'CLOSED', 'CANCELLED'];

export type Role = 'customer' | 'staff' | 'admin';

export interface Actor {
  user_id: string;
  display_name: string;
  role: Role | 'system';
}

export interface CaseSummary {
  number: string;
  version: number;
  state: CaseState;
  subject: string;
  account_id: string;
  account_name?: string;
  case_type: string;
  category: string;
  service_address?: string | null;
  opened_at: string;
  updated_at: string;
  resolved_at?: string | null;
  closed_at?: string | null;
  cancelled_at?: string | null;
  resolution?: string | null;
  opened_by?: Actor;
  comment_count?: number;
  attachment_count?: number;
  watcher_count?: number;
  score?: number;
}

export interface CaseDetail extends CaseSummary {
  description: string;
  fields: Record<string, string>;
}

export interface PageMeta {
  has_more: boolean;
  after_cursor: string | null;
  total?: number;
  truncated?: boolean;
}

export interface Page<T> {
  data: T[];
  meta: PageMeta;
  links: { next: string | null };
}

export interface ActivityItem {
  type:
    | 'opened'
    | 'comment'
    | 'internal_note'
    | 'attachment_added'
    | 'attachment_renamed'
    | 'attachment_removed'
    | 'watcher_added'
    | 'watcher_removed'
    | 'state_changed'
    | string;
  version: number;
  at: string;
  actor: Actor;
  internal?: boolean;
  from?: CaseState;
  to?: CaseState;
  subject?: string;
  body?: string;
  file_name?: string | null;
  previous_file_name?: string | null;
  email?: string;
  message?: string;
  resolution?: string;
  reason?: string;
  case_number?: string;
}

export interface Overview {
  counts: Record<CaseState, number>;
  open_cases: CaseSummary[];
  updates: ActivityItem[];
}

export interface Attachment {
  id: string;
  file_name: string;
  sha256: string;
  size_bytes: number;
  content_type: string;
  added_at: string;
  added_by: Actor;
}

export interface Watcher {
  email: string;
  added_at: string;
  added_by: Actor;
}

export interface AccountRef {
  id: string;
  name: string;
  account_number: string;
}

export interface Account extends AccountRef {
  service_addresses: string[];
  created_at: string;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  account_ids: string[];
  created_at: string;
  phone?: string;
  username?: string | null;
  disabled?: boolean;
  locked?: boolean;
  failed_logins?: number;
  pending_activation?: boolean;
  challenge_question?: ChallengeQuestion | string | null;
}

export interface Me extends User {
  accounts: AccountRef[];
}

export interface CatalogField {
  key: string;
  label: string;
  required: boolean;
}
export interface CatalogCategory {
  id: string;
  name: string;
  fields: CatalogField[];
}
export interface RequestType {
  id: string;
  name: string;
  categories: CatalogCategory[];
}
export interface Catalog {
  version: number;
  request_types: RequestType[];
}

export type ServiceState = 'OPERATIONAL' | 'DEGRADED' | 'OUTAGE' | 'MAINTENANCE';
export const SERVICE_STATES: ServiceState[] = ['OPERATIONAL', 'DEGRADED', 'OUTAGE', 'MAINTENANCE'];

export interface SystemStatus {
  service: string;
  name?: string;
  status: ServiceState;
  message: string;
  updated_at: string;
}

export interface QuickLink {
  title: string;
  description?: string;
  url: string;
}

export interface PortalLink {
  id: string;
  label: string;
  url: string;
}

export interface PortalConfig {
  product_name: string;
  provider_name: string;
  logo_url: string;
  colors: Partial<Record<'primary' | 'primary_text' | 'accent' | 'background' | 'text', string>>;
  links: PortalLink[];
}

export interface ChallengeQuestion {
  id: string;
  text: string;
}

export interface AccessRequest {
  id: string;
  kind: 'access' | 'recovery';
  name: string;
  phone?: string;
  email: string;
  account_name?: string;
  account_number?: string | null;
  service_address?: string;
  description?: string;
  state: 'pending' | 'approved' | 'rejected';
  reason?: string | null;
  user_id?: string | null;
  account_id?: string | null;
  decided_by?: string | null;
  created_at: string;
  decided_at?: string | null;
}

export interface Feedback {
  id: string;
  user_id?: string;
  user_name?: string;
  email?: string;
  message: string;
  rating?: number | null;
  page?: string | null;
  created_at: string;
}

export interface MessageAnswer {
  message: string;
  id?: string;
}
