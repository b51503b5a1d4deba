// The Overview: the request-type tiles, the Updates feed, the "Open Support
// Cases" snapshot and its links.
import { expect, test } from '../support/test';
import { uniqueWord } from '../support/api';
import { expectAccessible } from '../support/axe';
import { apiAs, freshAccount, freshUser, staffApi } from '../support/people';
import { signIn } from '../support/ui';

const TYPES = ['Technical Support', 'Account & Billing Support', 'Add New Service or Location', 'Change Existing Service'];

test('the Overview shows the request types, the latest updates and the open cases', async ({ page }) => {
  const account = await freshAccount('Harbour Freight Co', ['9 Dock Lane, Astoria']);
  const user = await freshUser({ accounts: [account.id] });
  const me = await apiAs(user);
  const subjects = [`Phones dead ${uniqueWord()}`, `Slow uplink ${uniqueWord()}`, `Mail bounce ${uniqueWord()}`];
  const opened = [];
  for (const subject of subjects) opened.push(await me.openCase(account.id, { subject, service_address: '9 Dock Lane, Astoria' }));
  const cancelled = await me.openCase(account.id, { subject: `Never mind ${uniqueWord()}` });
  await me.post(`/cases/${cancelled.number}/cancel`, {});
  const comment = `We are dispatching an engineer ${uniqueWord()}`;
  await (await staffApi()).post(`/cases/${opened[1].number}/comments`, { body: comment });

  const api = await me.get('/overview'); // after the writes above
  expect(api.open_cases.length).toBe(3); // the cancelled case is not open

  await signIn(page, user);
  await expect(page.getByRole('heading', { name: 'How can we help you?' })).toBeVisible();
  const tiles = page.getByRole('region', { name: 'How can we help you?' }).getByRole('link');
  await expect(tiles).toHaveCount(4);
  for (const [i, name] of TYPES.entries()) await expect(tiles.nth(i)).toContainText(name);

  const updates = page.getByRole('region', { name: 'Updates' });
  const item = updates.getByRole('listitem').filter({ hasText: comment });
  await expect(item).toContainText('Sam Agent');
  await expect(item.getByRole('link', { name: `${opened[1].number}: ${subjects[1]}` })).toBeVisible();

  const open = page.getByRole('region', { name: 'Open Support Cases' });
  await expect(open.getByTestId('open-cases-count')).toHaveText(`Showing ${api.open_cases.length} cases`);
  const table = open.getByRole('table', { name: 'Open Support Cases' });
  await expect(table.getByRole('row')).toHaveCount(1 + 3);
  await expect(table).not.toContainText(cancelled.number);
  const row = table.getByRole('row').filter({ hasText: opened[0].number });
  await expect(row).toContainText('Harbour Freight Co');
  await expect(row).toContainText('9 Dock Lane, Astoria');
  await expect(row).toContainText('Technical Support');
  await expect(row).toContainText('Internet');
  await expectAccessible(page, 'Overview');

  await row.getByRole('link', { name: opened[0].number }).click();
  await expect(page).toHaveURL(new RegExp(`/cases/${opened[0].number}$`));
  await expect(page.getByRole('heading', { level: 1, name: subjects[0] })).toBeVisible();
});

test('a request-type tile opens the wizard at that type', async ({ page }) => {
  const user = await freshUser();
  await signIn(page, user);
  await page.getByRole('link', { name: /^Change Existing Service/ }).click();
  await expect(page).toHaveURL(/\/cases\/new\?type=change-service$/);
  await expect(page.getByRole('heading', { name: 'Step 2 of 3: Change Existing Service — choose a category' })).toBeVisible();
});
