// Starts what the browser tests run against, all real and all private to
// this run: the development SMTP server (tools/dev/smtp-server.py, a
// Maildir), a docketd with every role (DOCKETD_PATH; the broker at
// DOCKET_TEST_BROKERS, topics under a fresh prefix) serving the built
// portal (web/dist) with the shipped configuration, and the people of the
// portal guide: an admin (docketctl admin create), a staff agent and two
// customers of two accounts, each invited and activated through the mailed
// link. Writes what it made to STATE_FILE (support/env.ts);
// global-teardown.ts stops the processes.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Api } from './support/api';
import { STATE_FILE, type E2eState } from './support/env';

const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const PASSWORD = 'portal-test-pass-2026';

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run web/e2e/run.sh through ctest or tools/dev/test.sh)`);
  return v;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number, log?: string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      const tail = log && existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-30).join('\n') : '';
      throw new Error(`${what} not ready within ${timeoutMs} ms\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function activate(state: Pick<E2eState, 'maildir' | 'repo' | 'api'>, email: string) {
  // The invitation's link: <base>/activate#token=...
  const { linkInMail } = await import('./support/mail');
  const link = await linkInMail(email, 'invited', '/activate');
  const token = new URL(link).hash.replace(/^#token=/, '');
  const r = await fetch(`${state.api}/auth/activate`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token, password: PASSWORD }),
  });
  if (r.status !== 204) throw new Error(`activate ${email}: ${r.status} ${await r.text()}`);
}

export default async function globalSetup() {
  const docketd = required('DOCKETD_PATH');
  const docketctl = required('DOCKETCTL_PATH');
  const brokers = required('DOCKET_TEST_BROKERS');
  const work = mkdtempSync(join(tmpdir(), 'docket-e2e-'));
  const maildir = join(work, 'mail'); // made by the SMTP server
  const prefix = 'e2e' + randomBytes(5).toString('hex');
  const pids: number[] = [];
  const state: E2eState = {
    baseURL: '',
    api: '',
    maildir,
    repo,
    pids,
    users: {
      admin: { email: 'admin@portal.test', password: PASSWORD, name: 'Portal Admin' },
      staff: { email: 'sam@portal.test', password: PASSWORD, name: 'Sam Agent' },
      alice: { email: 'alice@northwind.example', password: PASSWORD, name: 'Alice Carter' },
      bob: { email: 'bob@contoso.example', password: PASSWORD, name: 'Bob Lee' },
    },
    accounts: {} as E2eState['accounts'],
  };
  // Written at once so that the teardown finds the processes even when a
  // later step fails.
  const save = () => writeFileSync(STATE_FILE, JSON.stringify(state, null, 1));

  const smtpPort = await freePort();
  // Debian's python3, which has python3-aiosmtpd (tools/dev/deps.sh).
  const smtp = spawn(
    '/usr/bin/python3',
    [join(repo, 'tools/dev/smtp-server.py'), '--maildir', maildir, '--port', String(smtpPort)],
    { stdio: ['ignore', openSync(join(work, 'smtp.log'), 'a'), openSync(join(work, 'smtp.log'), 'a')] },
  );
  pids.push(smtp.pid!);
  save();

  execFileSync(docketctl, ['topics', 'ensure', '--brokers', brokers, '--prefix', prefix], { stdio: 'inherit' });
  const port = await freePort();
  state.baseURL = `http://127.0.0.1:${port}`;
  state.api = `${state.baseURL}/api/v1`;
  const log = join(work, 'docketd.log');
  const config = join(repo, 'config');
  const server = spawn(
    docketd,
    [
      '--brokers', brokers, '--topic-prefix', prefix, '--data-dir', join(work, 'data'),
      '--instance-id', 'e2e', '--listen', `127.0.0.1:${port}`,
      '--catalog', join(config, 'catalog.json'), '--quick-links', join(config, 'quick-links.json'),
      '--status-services', join(config, 'status-services.json'),
      '--portal-config', join(config, 'portal.json'), '--web-root', join(repo, 'web/dist'),
      '--chat-config', join(config, 'chat.json'),
      '--mail-templates', join(config, 'mail'), '--smtp-port', String(smtpPort),
      '--public-base-url', state.baseURL, '--mail-from', 'portal@portal.test',
      '--common-passwords', join(config, 'common-passwords.txt'),
      '--challenge-questions', join(config, 'challenge-questions.txt'),
      // One client address (127.0.0.1) plays every user here.
      '--rate-ip-per-s', '100000', '--rate-ip-burst', '100000',
      '--rate-user-per-s', '100000', '--rate-user-burst', '100000', '--login-per-min', '100000',
      '--access-requests-per-hour', '1000', '--link-mails-per-hour', '1000',
    ],
    { stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')] },
  );
  pids.push(server.pid!);
  save();
  await waitFor(
    'docketd',
    async () => {
      if (server.exitCode !== null) throw new Error(`docketd exited ${server.exitCode}`);
      return (await fetch(`${state.api}/readyz`)).ok;
    },
    120_000,
    log,
  );

  const { admin, staff, alice, bob } = state.users;
  execFileSync(
    docketctl,
    ['admin', 'create', '--brokers', brokers, '--topic-prefix', prefix, '--email', admin.email,
     '--name', admin.name, '--common-passwords', join(config, 'common-passwords.txt')],
    { input: `${PASSWORD}\n`, stdio: ['pipe', 'inherit', 'inherit'] },
  );
  const a = await Api.signIn(admin.email, PASSWORD, state.api);
  const northwind = await a.post('/accounts', {
    account_number: 'ACC-1001', name: 'Northwind Traders',
    service_addresses: ['1 Harbour Road, Portland', '77 Mill Street, Salem'],
  });
  const contoso = await a.post('/accounts', {
    account_number: 'ACC-2002', name: 'Contoso Ltd', service_addresses: ['5 Market Square, Boston'],
  });
  state.accounts = { northwind, contoso };
  alice.account = northwind.id;
  bob.account = contoso.id;
  await a.post('/users', { email: staff.email, name: staff.name, role: 'staff' });
  await a.post('/users', { email: alice.email, name: alice.name, role: 'customer', account_ids: [northwind.id] });
  await a.post('/users', { email: bob.email, name: bob.name, role: 'customer', account_ids: [contoso.id] });
  for (const u of [staff, alice, bob]) await activate(state, u.email);
  for (const u of [staff, alice, bob]) await Api.signIn(u.email, PASSWORD, state.api); // visible
  save();
}
