// The mails docketd's notifier sent to the development SMTP server
// (tools/dev/smtp-server.py keeps them in a Maildir; tools/dev/mailbox
// reads it).
import { execFileSync } from 'node:child_process';
import { env } from './env';

interface Listed {
  index: number;
  to: string;
  subject: string;
}

function mailbox(...args: string[]): string {
  const e = env();
  return execFileSync('/usr/bin/python3', [`${e.repo}/tools/dev/mailbox`, '--maildir', e.maildir, ...args], {
    encoding: 'utf8',
  });
}

function list(): Listed[] {
  const out: Listed[] = [];
  let text = '';
  try {
    text = mailbox('list');
  } catch {
    return out; // no mail yet: the Maildir is made with the first one
  }
  for (const line of text.split('\n')) {
    // "  12  Thu, 03 Dec 2026 21:01:29 +0000  alice@example.com  Subject..."
    const m = /^\s*(\d+)\s+\w{3}, \d\d \w{3} \d{4} [\d:]{8} [+-]\d{4}\s+(\S+)\s+(.*)$/.exec(line);
    if (m) out.push({ index: Number(m[1]), to: m[2].toLowerCase(), subject: m[3] });
  }
  return out;
}

// The number of mails to `to` whose subject contains `subject` now.
export function countMail(to: string, subject = ''): number {
  return list().filter((m) => m.to === to.toLowerCase() && m.subject.includes(subject)).length;
}

// Waits (bounded) for the `count`-th mail to `to` whose subject contains
// `subject`, and answers the first link in it that contains `pathPart`.
export async function linkInMail(
  to: string,
  subject: string,
  pathPart: string,
  count = 1,
  timeoutMs = 30_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = list().filter((m) => m.to === to.toLowerCase() && m.subject.includes(subject));
    if (found.length >= count) {
      const links = mailbox('links', String(found[count - 1].index))
        .split('\n')
        .filter((l) => l.includes(pathPart));
      if (links.length === 0) throw new Error(`mail "${found[count - 1].subject}" has no ${pathPart} link`);
      return links[0].trim();
    }
    if (Date.now() > deadline) {
      throw new Error(`no mail #${count} to ${to} with "${subject}" within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
