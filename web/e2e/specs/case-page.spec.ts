// The case page as a customer: comments, attachments, the watch list,
// cancelling; and another account's case stays hidden.
import { readFile } from 'node:fs/promises';
import { expect, test } from '../support/test';
import { uniqueWord } from '../support/api';
import { expectAccessible } from '../support/axe';
import { aliceApi, bobApi } from '../support/people';
import { caseField, gotoCase, openTab, signIn, users } from '../support/ui';

async function aliceCase(what: string) {
  const subject = `${what} ${uniqueWord()}`;
  const c = await (await aliceApi()).openCase(users().alice.account!, { subject });
  return { number: c.number as string, subject };
}

test('a customer comments on a case', async ({ page }) => {
  const { number, subject } = await aliceCase('No dial tone');
  await signIn(page, users().alice);
  await gotoCase(page, number, subject);
  await expectAccessible(page, 'case page');
  const message = `The phones at reception are still silent ${uniqueWord()}`;
  await page.getByRole('textbox', { name: 'Type your message here' }).fill(message);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const item = page.getByRole('tabpanel').getByRole('listitem').filter({ hasText: message });
  await expect(item).toContainText('Alice Carter added a comment');
  await expect(page.getByRole('textbox', { name: 'Type your message here' })).toHaveValue('');
  const activity = (await (await aliceApi()).get(`/cases/${number}/activity`)).data;
  expect(activity.some((a: { type: string; body?: string }) => a.type === 'comment' && a.body === message)).toBe(true);
});

test('a customer uploads, downloads, renames and deletes an attachment', async ({ page }) => {
  const { number, subject } = await aliceCase('Firewall log');
  const content = `timestamp,event\n2026-12-03T08:00:00Z,link down ${uniqueWord()}\n`;
  await signIn(page, users().alice);
  await gotoCase(page, number, subject);
  await openTab(page, 'Manage Attachments');
  await expect(page.getByText('No attachments yet.')).toBeVisible();
  await page.getByLabel('File to attach').setInputFiles({ name: 'firewall.csv', mimeType: 'text/csv', buffer: Buffer.from(content) });
  await page.getByRole('button', { name: 'Upload' }).click();
  const link = page.getByRole('link', { name: 'firewall.csv' });
  await expect(link).toBeVisible();
  await expect(page.getByRole('tabpanel')).toContainText('uploaded by Alice Carter');
  await expectAccessible(page, 'Manage Attachments');

  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe('firewall.csv');
  expect(await readFile(await download.path())).toEqual(Buffer.from(content));

  await page.getByRole('button', { name: 'Rename firewall.csv' }).click();
  await page.getByRole('textbox', { name: 'New name for firewall.csv' }).fill('firewall-2026-12-03.csv');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByRole('link', { name: 'firewall-2026-12-03.csv' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'firewall.csv', exact: true })).toHaveCount(0);
  let listed = (await (await aliceApi()).get(`/cases/${number}/attachments`)).data;
  expect(listed.map((a: { file_name: string }) => a.file_name)).toEqual(['firewall-2026-12-03.csv']);

  await page.getByRole('button', { name: 'Delete firewall-2026-12-03.csv' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete attachment' });
  await expect(dialog).toContainText('Delete firewall-2026-12-03.csv from this case?');
  await expectAccessible(page, 'Delete attachment dialog');
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('No attachments yet.')).toBeVisible();
  listed = (await (await aliceApi()).get(`/cases/${number}/attachments`)).data;
  expect(listed).toEqual([]);
});

test('a customer adds and removes a watcher', async ({ page }) => {
  const { number, subject } = await aliceCase('Invoice copy');
  const email = `${uniqueWord()}@northwind.example`;
  await signIn(page, users().alice);
  await gotoCase(page, number, subject);
  // The tabs follow the WAI-ARIA pattern: arrow keys move between them.
  await page.getByRole('tab', { name: 'Activity Stream' }).focus();
  await page.keyboard.press('End');
  await expect(page.getByRole('tab', { name: 'Manage Watch List' })).toBeFocused();
  await expect(page.getByRole('tab', { name: 'Manage Watch List' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('tab', { name: 'Manage Attachments' })).toHaveAttribute('aria-selected', 'true');
  await openTab(page, 'Manage Watch List');
  await page.getByRole('textbox', { name: 'E-mail address to add' }).fill(email);
  await page.getByRole('button', { name: 'Add to watch list' }).click();
  const panel = page.getByRole('tabpanel');
  await expect(panel.getByRole('listitem').filter({ hasText: email })).toBeVisible();
  await expectAccessible(page, 'Manage Watch List');
  let watchers = (await (await aliceApi()).get(`/cases/${number}/watchers`)).data;
  expect(watchers.map((w: { email: string }) => w.email)).toContain(email);

  await page.getByRole('button', { name: `Remove ${email}` }).click();
  await expect(panel.getByRole('listitem').filter({ hasText: email })).toHaveCount(0);
  watchers = (await (await aliceApi()).get(`/cases/${number}/watchers`)).data;
  expect(watchers.map((w: { email: string }) => w.email)).not.toContain(email);
});

test('a customer cancels a case after confirming', async ({ page }) => {
  const { number, subject } = await aliceCase('Duplicate request');
  await signIn(page, users().alice);
  await gotoCase(page, number, subject);
  await expect(caseField(page, 'State')).toHaveText('New');
  await page.getByRole('group', { name: 'Case actions' }).getByRole('button', { name: 'Cancel Case' }).click();
  const dialog = page.getByRole('dialog', { name: 'Cancel this case?' });
  await expect(dialog).toContainText('A cancelled case cannot be reopened.');
  await expectAccessible(page, 'Cancel this case? dialog');
  await dialog.getByRole('button', { name: 'Keep case' }).click();
  await expect(dialog).toBeHidden();
  await expect(caseField(page, 'State')).toHaveText('New');
  // Escape closes it too, and focus goes back to the button that opened it.
  const opener = page.getByRole('group', { name: 'Case actions' }).getByRole('button', { name: 'Cancel Case' });
  await opener.click();
  await expect(dialog.locator(':focus')).toHaveCount(1);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();

  await page.getByRole('group', { name: 'Case actions' }).getByRole('button', { name: 'Cancel Case' }).click();
  await dialog.getByRole('textbox', { name: 'Reason (optional)' }).fill('Opened twice by mistake.');
  await dialog.getByRole('button', { name: 'Cancel Case' }).click();
  await expect(dialog).toBeHidden();
  await expect(caseField(page, 'State')).toHaveText('Cancelled');
  await expect(page.getByText('This case is cancelled; no more messages can be added.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Cancel Case' })).toHaveCount(0);
  expect((await (await aliceApi()).get(`/cases/${number}`)).state).toBe('CANCELLED');
});

test("a customer typing another account's case number sees that it is not found", async ({ page }) => {
  const secret = `Contoso board minutes ${uniqueWord()}`;
  const bobs = await (await bobApi()).openCase(users().bob.account!, { subject: secret });
  await signIn(page, users().alice);
  await page.goto(`/cases/${bobs.number}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Case not found' })).toBeVisible();
  await expect(page.getByText(`Case ${bobs.number} was not found.`)).toBeVisible();
  await expect(page.getByText(secret)).toHaveCount(0);
  await expectAccessible(page, 'Case not found');
});

test('unknown pages and staff pages are "not found" to a customer', async ({ page }) => {
  await signIn(page, users().alice);
  await page.goto('/no-such-page');
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await expectAccessible(page, 'Page not found');
  await page.goto('/staff/feedback');
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Feedback' })).toHaveCount(0);
  await page.getByRole('link', { name: 'Go to the Overview' }).click();
  await expect(page.getByRole('heading', { name: 'How can we help you?' })).toBeVisible();
});
