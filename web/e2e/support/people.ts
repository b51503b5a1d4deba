// People and accounts made for one test, so that no test changes what
// another relies on: the seeded alice, bob and staff keep their passwords
// and are never locked. A fresh user is invited by the admin and activated
// through the mailed link, exactly as global-setup.ts does.
import { Api, uniqueWord } from './api';
import { env, type Account, type User } from './env';
import { linkInMail } from './mail';

export interface FreshUser extends User {
  id: string;
}

const sessions = new Map<string, Promise<Api>>();

/** A signed-in API client of `user` (one per user and test worker). */
export function apiAs(user: { email: string; password: string }): Promise<Api> {
  const key = `${user.email}\n${user.password}`;
  let s = sessions.get(key);
  if (!s) {
    s = Api.signIn(user.email, user.password);
    s.catch(() => sessions.delete(key));
    sessions.set(key, s);
  }
  return s;
}

export const adminApi = () => apiAs(env().users.admin);
export const staffApi = () => apiAs(env().users.staff);
export const aliceApi = () => apiAs(env().users.alice);
export const bobApi = () => apiAs(env().users.bob);

/** A password no rule refuses and no other user has. */
export function freshPassword(): string {
  return `Pw-${uniqueWord('')}-2026`;
}

/** A new account (made by the admin) with its service addresses. */
export async function freshAccount(
  name = `Account ${uniqueWord('')}`,
  serviceAddresses: string[] = ['12 Quay Street, Portland'],
  number = `ACC-${Date.now() % 1_000_000_000}${Math.floor(Math.random() * 1000)}`,
): Promise<Account & { service_addresses: string[] }> {
  const admin = await adminApi();
  return admin.post('/accounts', { account_number: number, name, service_addresses: serviceAddresses });
}

/**
 * A new user, invited by the admin and activated through the invitation
 * mail's link (the same API call the Activate page makes), visible to
 * sign-in before this returns.
 */
export async function freshUser(
  opts: { role?: 'customer' | 'staff'; accounts?: string[]; name?: string; email?: string } = {},
): Promise<FreshUser> {
  const role = opts.role ?? 'customer';
  const word = uniqueWord('u');
  const email = opts.email ?? `${word}@fresh.example`;
  const name = opts.name ?? `Fresh ${word.slice(1, 7)}`;
  const password = freshPassword();
  const admin = await adminApi();
  const accounts = role === 'customer' ? (opts.accounts ?? [env().users.alice.account!]) : undefined;
  const created = await admin.post('/users', {
    email,
    name,
    role,
    ...(accounts ? { account_ids: accounts } : {}),
  });
  const link = await linkInMail(email, 'invited', '/activate');
  const token = new URL(link).hash.replace(/^#token=/, '');
  const r = await fetch(`${env().api}/auth/activate`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token, password }),
  });
  if (r.status !== 204) throw new Error(`activate ${email}: ${r.status} ${await r.text()}`);
  await apiAs({ email, password }); // waits until sign-in knows the user
  return { id: created.id as string, email, name, password, account: accounts?.[0] };
}

/** Polls `probe` until it answers true (bounded). */
export async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
