// A 375 px wide phone: the Overview and a case page work, the menu button
// opens the navigation, and axe finds nothing serious.
import type { Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { uniqueWord } from '../support/api';
import { expectAccessible } from '../support/axe';
import { aliceApi } from '../support/people';
import { gotoCase, signIn, users } from '../support/ui';

test.use({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });

async function noSidewaysScroll(page: Page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width, 'the page is no wider than the screen').toBeLessThanOrEqual(375);
}

test('on a phone the Overview fits and the Menu button opens the navigation', async ({ page }) => {
  await signIn(page, users().alice);
  await expect(page.getByRole('heading', { name: 'How can we help you?' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Open Support Cases' }).getByTestId('open-cases-count')).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main' });
  const menu = page.getByRole('button', { name: 'Menu', exact: true });
  await expect(menu).toBeVisible();
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(nav.getByRole('link', { name: 'Support' })).toBeHidden();
  await noSidewaysScroll(page);
  await expectAccessible(page, 'Overview (375 px)');

  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await expect(nav.getByRole('link', { name: 'Support' })).toBeVisible();
  await expectAccessible(page, 'Overview with the menu open (375 px)');
  await nav.getByRole('link', { name: 'Support' }).click();
  await expect(page).toHaveURL(/\/support$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Support' })).toBeVisible();
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
});

test('on a phone a case page can be read and answered', async ({ page }) => {
  const subject = `Wi-Fi weak in the warehouse ${uniqueWord()}`;
  const kase = await (await aliceApi()).openCase(users().alice.account!, { subject });
  await signIn(page, users().alice);
  await gotoCase(page, kase.number, subject);
  await expect(page.getByRole('region', { name: 'Case details' })).toContainText('Northwind Traders');
  await noSidewaysScroll(page);
  await expectAccessible(page, 'case page (375 px)');
  const message = `Access point 3 is back ${uniqueWord()}`;
  const box = page.getByRole('textbox', { name: 'Type your message here' });
  await box.scrollIntoViewIfNeeded();
  await box.fill(message);
  await page.getByRole('button', { name: 'Send', exact: true }).tap();
  await expect(page.getByRole('tabpanel').getByRole('listitem').filter({ hasText: message })).toBeVisible();
  await page.getByRole('tab', { name: 'Manage Attachments' }).tap();
  await expect(page.getByLabel('File to attach')).toBeVisible();
  await page.getByRole('button', { name: 'Menu', exact: true }).tap();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' })).toBeVisible();
});
