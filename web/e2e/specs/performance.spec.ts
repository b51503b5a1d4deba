// The Overview of an account with 1,000 cases, loaded cold: time from
// navigation start to the "Open Support Cases" table, and the JavaScript
// bytes sent (compressed). Prints "PERF overview_render_ms=… js_bytes=…".
import { expect, test } from '../support/test';
import { uniqueWord } from '../support/api';
import { expectAccessible } from '../support/axe';
import { env } from '../support/env';
import { apiAs, freshAccount, freshUser } from '../support/people';

const CASES = 1000;
const AT_ONCE = 8;

test('the Overview of a 1,000-case account renders within a second on under 300 KB of JavaScript', async ({ browser }) => {
  test.setTimeout(600_000);
  const account = await freshAccount('Tailspin Toys', ['3 Airfield Road, Hillsboro', '18 Hangar Way, Hillsboro']);
  const user = await freshUser({ accounts: [account.id] });
  const me = await apiAs(user);
  const types = [
    { case_type: 'technical-support', category: 'internet' },
    { case_type: 'technical-support', category: 'email' },
    { case_type: 'account-billing', category: 'payment' },
    { case_type: 'change-service', category: 'upgrade' },
  ];
  const word = uniqueWord();
  const seedStart = Date.now();
  for (let i = 0; i < CASES; i += AT_ONCE) {
    await Promise.all(
      Array.from({ length: Math.min(AT_ONCE, CASES - i) }, (_, j) =>
        me.newCase(account.id, {
          ...types[(i + j) % types.length],
          subject: `Load case ${i + j} ${word}`,
          service_address: (i + j) % 2 ? '3 Airfield Road, Hillsboro' : '18 Hangar Way, Hillsboro',
        }),
      ),
    );
  }
  console.log(`PERF seeded ${CASES} cases in ${Date.now() - seedStart} ms`);
  let overview: { counts: Record<string, number>; open_cases: unknown[] } = { counts: {}, open_cases: [] };
  const counted = async () => {
    overview = await me.get('/overview');
    return Object.values(overview.counts).reduce((a, b) => a + b, 0);
  };
  await expect.poll(counted, { timeout: 30_000 }).toBe(CASES);

  // A new context: no cached script. The session cookie comes from the
  // login route directly, so the Overview is the first page loaded.
  const context = await browser.newContext({ baseURL: env().baseURL });
  const login = await context.request.post('/api/v1/auth/login', { data: { login: user.email, password: user.password } });
  expect(login.status()).toBe(200);
  const page = await context.newPage();

  const started = Date.now();
  await page.goto('/', { waitUntil: 'commit' });
  const sinceNavigation = await page.waitForFunction(
    () => {
      const table = [...document.querySelectorAll('table')].find((t) => t.caption?.textContent === 'Open Support Cases');
      return table && table.getBoundingClientRect().height > 0 && table.querySelectorAll('tbody tr').length > 0 ? performance.now() : 0;
    },
    undefined,
    { polling: 'raf', timeout: 30_000 },
  );
  const renderMs = Math.round(await sinceNavigation.jsonValue());
  const wallMs = Date.now() - started;
  await expect(page.getByRole('table', { name: 'Open Support Cases' }).getByRole('row')).toHaveCount(1 + overview.open_cases.length);
  await expect(page.getByTestId('open-cases-count')).toHaveText(`Showing ${overview.open_cases.length} cases`);

  const scripts = await page.evaluate(() =>
    (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((r) => r.initiatorType === 'script' || new URL(r.name).pathname.endsWith('.js'))
      .map((r) => ({ name: r.name, transfer: r.transferSize, encoded: r.encodedBodySize, decoded: r.decodedBodySize })),
  );
  const jsBytes = scripts.reduce((n, s) => n + s.transfer, 0);
  const jsEncoded = scripts.reduce((n, s) => n + s.encoded, 0);
  const jsDecoded = scripts.reduce((n, s) => n + s.decoded, 0);
  console.log(
    `PERF overview_render_ms=${renderMs} js_bytes=${jsBytes} (wall_ms=${wallMs} js_body_compressed=${jsEncoded} ` +
      `js_uncompressed=${jsDecoded} scripts=${scripts.length})`,
  );
  expect(scripts.length).toBeGreaterThan(0);
  expect(jsEncoded).toBeLessThan(jsDecoded); // sent compressed
  expect(renderMs).toBeLessThan(1000);
  expect(jsBytes).toBeLessThan(300 * 1024);
  await expectAccessible(page, 'Overview of 1,000 cases');
  await context.close();
});
