// Losing the network: the portal says so instead of going blank, and
// recovers when the network is back.
import { expect, test } from '../support/test';
import { expectAccessible } from '../support/axe';
import { signIn, users } from '../support/ui';

test('a page that cannot be fetched offline says so, and loads after "Try again"', async ({ page }) => {
  await signIn(page, users().alice);
  await expect(page.getByRole('heading', { name: 'How can we help you?' })).toBeVisible();
  await page.context().setOffline(true);
  // Quick Links is a chunk of its own that this page has not loaded yet.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Quick Links' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'This page could not be loaded' })).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('check your connection');
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible(); // the portal is still there
  await expectAccessible(page, 'page could not be loaded');

  await page.context().setOffline(false);
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Customer Logins and Links' })).toBeVisible();
});

test('a failed request shows "Connection lost" until the network is back', async ({ page }) => {
  await signIn(page, users().alice);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Support' }).click();
  await expect(page.getByTestId('case-count')).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
  await expect(page.getByRole('heading', { name: 'How can we help you?' })).toBeVisible();

  await page.context().setOffline(true);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Support' }).click();
  const banner = page.getByText('Connection lost — reconnecting…');
  await expect(banner).toBeVisible();
  await page.context().setOffline(false);
  await expect(banner).toBeHidden({ timeout: 15_000 });
});
