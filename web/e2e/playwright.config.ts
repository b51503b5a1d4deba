// Browser tests of the portal: Playwright driving Debian's Chromium
// (/usr/bin/chromium, installed by tools/dev/deps.sh; Playwright's own
// browser download is never used) against a real docketd, the real broker
// and the development SMTP server, all started by global-setup.ts.
// Run through web/e2e/run.sh (ctest: web_e2e).
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './specs',
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  // One docketd under AddressSanitizer on a 2-core machine: one browser at
  // a time keeps the timings honest.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 10_000 },
  retries: 0,
  reporter: [['list']],
  outputDir: process.env.DOCKET_E2E_OUTPUT ?? '/tmp/docket-e2e-results',
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.DOCKET_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
