// What global-setup.ts started and seeded, for the specs.
import { readFileSync } from 'node:fs';

export interface User {
  email: string;
  password: string;
  name: string;
  account?: string; // account id (customers)
}

export interface E2eState {
  baseURL: string; // http://127.0.0.1:<port>
  api: string; // <baseURL>/api/v1
  maildir: string;
  repo: string;
  pids: number[];
  users: { admin: User; staff: User; alice: User; bob: User };
  accounts: { northwind: Account; contoso: Account };
}

export interface Account {
  id: string;
  name: string;
  account_number: string;
}

export const STATE_FILE = process.env.DOCKET_E2E_STATE ?? '/tmp/docket-e2e-state.json';

let cached: E2eState | undefined;
export function env(): E2eState {
  cached ??= JSON.parse(readFileSync(STATE_FILE, 'utf8')) as E2eState;
  return cached;
}
