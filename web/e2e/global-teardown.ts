// Stops what global-setup.ts started (docketd first, so its notifier does
// not retry against a closed SMTP server).
import { env } from './support/env';

export default async function globalTeardown() {
  const pids = [...env().pids].reverse();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 15_000;
  for (const pid of pids) {
    for (;;) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      if (Date.now() > deadline) {
        process.kill(pid, 'SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
