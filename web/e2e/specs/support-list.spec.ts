// Support: the case list with its filters (several values each), pages and
// the CSV export of exactly what the filters show.
import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { Api, uniqueWord } from '../support/api';
import { expectAccessible } from '../support/axe';
import { parseCsv } from '../support/csv';
import { env } from '../support/env';
import { apiAs, freshAccount, freshUser, staffApi } from '../support/people';
import { signIn } from '../support/ui';

async function inBatches<T>(n: number, size: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += size) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(size, n - i) }, (_, j) => make(i + j)))));
  }
  return out;
}

async function shownNumbers(page: Page): Promise<string[]> {
  const table = page.getByRole('table', { name: 'Cases' });
  await expect(table).toBeVisible();
  const links = table.getByRole('link');
  const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  return hrefs.map((h) => h.split('/').pop()!);
}

async function exportCsv(page: Page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export' }).click()]);
  expect(download.suggestedFilename()).toBe('cases.csv');
  return parseCsv(await readFile(await download.path(), 'utf8'));
}

async function allPages(api: Api, query: string): Promise<string[]> {
  const out: string[] = [];
  let after = '';
  for (;;) {
    const p = await api.get(`/cases?${query}&page[size]=100${after ? `&page[after]=${encodeURIComponent(after)}` : ''}`);
    out.push(...p.data.map((c: { number: string }) => c.number));
    if (!p.meta.has_more) return out;
    after = p.meta.after_cursor;
  }
}

test('filters, pages and the export show exactly the matching cases', async ({ page }) => {
  test.setTimeout(180_000);
  const word = uniqueWord();
  const fabrikam = await freshAccount('Fabrikam Retail', ['8 Canal Street, Eugene']);
  const northwind = env().accounts.northwind;
  const user = await freshUser({ accounts: [northwind.id, fabrikam.id] });
  const me = await apiAs(user);
  const staff = await staffApi();
  const open = (i: number, o: Record<string, unknown> = {}) =>
    me.openCase(fabrikam.id, { subject: `Outage ${i} ${word}`, ...o }).then((c) => c.number as string);

  // Matching: 11 new Internet cases and one open Voice case.
  const internet = await inBatches(11, 4, (i) => open(i));
  const voice = await open(90, { category: 'voice' });
  await staff.post(`/cases/${voice}/accept`, {});
  // Not matching: each differs in one filter.
  const billing = await open(91, { case_type: 'account-billing', category: 'payment' });
  const email = await open(92, { category: 'email' });
  const cancelled = await open(93);
  await me.post(`/cases/${cancelled}/cancel`, {});
  const resolved = await open(94);
  await staff.post(`/cases/${resolved}/resolve`, { resolution: 'Fixed.' });
  const elsewhere = await me.openCase(northwind.id, { subject: `Outage 95 ${word}` }).then((c) => c.number as string);
  const expected = [...internet, voice].sort();

  await signIn(page, user);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Support' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Support' })).toBeVisible();
  const filters = page.getByRole('region', { name: 'Filters' });
  await filters.getByRole('group', { name: 'Account' }).getByRole('checkbox', { name: 'Fabrikam Retail' }).check();
  await filters.getByRole('group', { name: 'Status' }).getByRole('checkbox', { name: 'New' }).check();
  await filters.getByRole('group', { name: 'Status' }).getByRole('checkbox', { name: 'Open' }).check();
  await filters.getByRole('group', { name: 'Case type' }).getByRole('checkbox', { name: 'Technical Support' }).check();
  await filters.getByRole('group', { name: 'Category' }).getByRole('checkbox', { name: 'Internet (Technical Support)' }).check();
  await filters.getByRole('group', { name: 'Category' }).getByRole('checkbox', { name: 'Voice (Technical Support)' }).check();
  await expect(page).toHaveURL(/state=NEW%2COPEN|state=NEW,OPEN/);
  await expect(page).toHaveURL(/case_type=technical-support/);
  await expect(page).toHaveURL(/category=internet%2Cvoice|category=internet,voice/);
  await expect(page).toHaveURL(new RegExp(`account_id=${fabrikam.id}`));

  await page.getByRole('combobox', { name: 'Page size' }).selectOption('10');
  await expect(page.getByRole('table', { name: 'Cases' }).getByRole('row')).toHaveCount(1 + 10);
  await expectAccessible(page, 'Support');
  const first = await shownNumbers(page);
  expect(first[0]).toBe(voice); // sorted by last update: the accepted one first
  const voiceRow = page.getByRole('row').filter({ hasText: `Outage 90 ${word}` });
  await expect(voiceRow).toContainText('Open');
  await expect(voiceRow).toContainText('Voice');
  await expect(voiceRow).toContainText('Fabrikam Retail');
  await expect(voiceRow).toContainText(user.name);
  const pager = page.getByRole('navigation', { name: 'Case pages' });
  await expect(pager.getByRole('button', { name: 'Previous' })).toBeDisabled();
  await pager.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('table', { name: 'Cases' }).getByRole('row')).toHaveCount(1 + 2);
  const second = await shownNumbers(page);
  await expect(pager.getByRole('button', { name: 'Next' })).toBeDisabled();
  expect([...first, ...second].sort()).toEqual(expected);
  await pager.getByRole('button', { name: 'Previous' }).click();
  await expect.poll(() => shownNumbers(page)).toEqual(first);

  const csv = await exportCsv(page);
  expect(csv.map((r) => r.Number).sort()).toEqual(expected);
  for (const r of csv) {
    expect(r.Account).toBe('Fabrikam Retail');
    expect(r['Case Type']).toBe('Technical Support');
    expect(['Internet', 'Voice']).toContain(r.Category);
    expect(r['Opened By']).toBe(user.name);
  }
  expect(csv.find((r) => r.Number === voice)).toMatchObject({ State: 'OPEN', Category: 'Voice', Subject: `Outage 90 ${word}` });
  for (const n of [billing, email, cancelled, resolved, elsewhere]) expect(csv.map((r) => r.Number)).not.toContain(n);

  // Northwind's E-mail cases: the export names the account, type and category.
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await filters.getByRole('group', { name: 'Account' }).getByRole('checkbox', { name: 'Northwind Traders' }).check();
  await filters.getByRole('group', { name: 'Category' }).getByRole('checkbox', { name: 'Internet (Technical Support)' }).check();
  await expect(page.getByRole('table', { name: 'Cases' })).toContainText(`Outage 95 ${word}`);
  const north = await exportCsv(page);
  expect(north.map((r) => r.Number).sort()).toEqual(
    (await allPages(me, `account_id=${northwind.id}&category=internet`)).sort(),
  );
  expect(north.find((r) => r.Number === elsewhere)).toMatchObject({
    Account: 'Northwind Traders',
    'Case Type': 'Technical Support',
    Category: 'Internet',
    State: 'NEW',
  });
  expect(north.every((r) => r.Account === 'Northwind Traders')).toBe(true);
});
