// The header's global search: by case number and by a word.
import { expect, test } from '../support/test';
import { uniqueWord } from '../support/api';
import { expectAccessible } from '../support/axe';
import { aliceApi, eventually } from '../support/people';
import { signIn, users } from '../support/ui';

async function seeded() {
  const word = uniqueWord();
  const subject = `Printer queue stuck ${word}`;
  const api = await aliceApi();
  const c = await api.openCase(users().alice.account!, { subject, description: `The ${word} queue holds every job.` });
  await eventually('the search index has the case', async () => (await api.get(`/search?q=${word}`)).data.length === 1);
  return { number: c.number as string, subject, word };
}

async function search(page: import('@playwright/test').Page, q: string) {
  const box = page.getByRole('search', { name: 'Global search' });
  await box.getByRole('searchbox', { name: 'Search cases' }).fill(q);
  await box.getByRole('button', { name: 'Search' }).click();
}

test('searching for a case number opens that case', async ({ page }) => {
  const { number, subject } = await seeded();
  await signIn(page, users().alice);
  await search(page, number);
  await expect(page).toHaveURL(new RegExp(`/cases/${number}$`));
  await expect(page.getByRole('heading', { level: 1, name: subject })).toBeVisible();
  // Just the digits, without the leading zeros, find it too.
  await search(page, String(Number(number.slice(2))));
  await expect(page).toHaveURL(new RegExp(`/cases/${number}$`));
});

test('searching for a word lists the cases that contain it', async ({ page }) => {
  const { number, subject, word } = await seeded();
  await signIn(page, users().alice);
  await search(page, word);
  await expect(page).toHaveURL(new RegExp(`/search\\?q=${word}$`));
  await expect(page.getByRole('heading', { level: 1, name: 'Search results' })).toBeVisible();
  await expect(page.getByTestId('search-count')).toHaveText('Showing 1 case');
  const row = page.getByRole('table', { name: 'Search results' }).getByRole('row').filter({ hasText: number });
  await expect(row).toContainText(subject);
  await expect(row).toContainText('Northwind Traders');
  await expectAccessible(page, 'Search results');
  await row.getByRole('link', { name: number }).click();
  await expect(page.getByRole('heading', { level: 1, name: subject })).toBeVisible();

  await search(page, uniqueWord());
  await expect(page.getByTestId('search-count')).toHaveText('No cases found.');
});
