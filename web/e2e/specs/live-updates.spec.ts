// Live updates over the event stream: what staff write shows on the
// customer's open page without a reload.
import type { Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { uniqueWord } from '../support/api';
import { aliceApi } from '../support/people';
import { gotoCase, signIn, signedInPage, users } from '../support/ui';

/** Runs `open` and waits until the page's event stream has connected. */
async function withStream(page: Page, open: () => Promise<void>) {
  const stream = page.waitForResponse((r) => r.url().includes('/api/v1/stream') && r.status() === 200);
  await open();
  await stream;
}

test("a staff comment shows on the customer's open case page within a second", async ({ page, browser }) => {
  const subject = `Intermittent packet loss ${uniqueWord()}`;
  const kase = await (await aliceApi()).openCase(users().alice.account!, { subject });
  const comment = `Please power-cycle the modem ${uniqueWord()}`;

  await signIn(page, users().alice);
  await withStream(page, () => gotoCase(page, kase.number, subject));
  await expect(page.getByRole('tabpanel')).toContainText('opened the case');

  const staff = await signedInPage(browser, users().staff);
  await gotoCase(staff, kase.number, subject);
  await staff.getByRole('textbox', { name: 'Type your message here' }).fill(comment);
  const sent = staff.waitForResponse((r) => r.url().endsWith(`/cases/${kase.number}/comments`) && r.request().method() === 'POST');
  await staff.getByRole('button', { name: 'Send', exact: true }).click();
  expect((await sent).status()).toBe(201);
  const started = Date.now();
  await expect(page.getByRole('tabpanel').getByRole('listitem').filter({ hasText: comment })).toBeVisible({ timeout: 1000 });
  console.log(`LIVE case_comment_ms=${Date.now() - started}`);
  await expect(page.getByRole('tabpanel')).toContainText('Sam Agent (Support) added a comment');
  await staff.context().close();
});

test("the customer's Overview feed shows a staff comment live", async ({ page, browser }) => {
  const subject = `Voicemail not delivered ${uniqueWord()}`;
  const kase = await (await aliceApi()).openCase(users().alice.account!, { subject });
  const comment = `Voicemail-to-email was re-enabled ${uniqueWord()}`;

  await withStream(page, () => signIn(page, users().alice));
  await expect(page.getByRole('region', { name: 'Updates' })).toContainText(subject);

  const staff = await signedInPage(browser, users().staff);
  await gotoCase(staff, kase.number, subject);
  await staff.getByRole('textbox', { name: 'Type your message here' }).fill(comment);
  const sent = staff.waitForResponse((r) => r.url().endsWith(`/cases/${kase.number}/comments`) && r.request().method() === 'POST');
  await staff.getByRole('button', { name: 'Send', exact: true }).click();
  expect((await sent).status()).toBe(201);
  const started = Date.now();
  const item = page.getByRole('region', { name: 'Updates' }).getByRole('listitem').filter({ hasText: comment });
  await expect(item).toBeVisible({ timeout: 1000 });
  console.log(`LIVE overview_feed_ms=${Date.now() - started}`);
  await expect(item.getByRole('link', { name: `${kase.number}: ${subject}` })).toBeVisible();
  await staff.context().close();
});
