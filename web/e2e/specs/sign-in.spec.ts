import { expect, test } from '../support/test';
import { expectAccessible } from '../support/axe';
import { users } from '../support/ui';

test('a customer signs in and lands on the Overview', async ({ page }) => {
  const { alice } = users();
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expectAccessible(page, 'Sign in');
  await page.getByLabel('Username').fill(alice.email);
  await page.getByLabel('Password', { exact: true }).fill(alice.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'How can we help you?' })).toBeVisible();
  await expectAccessible(page, 'Overview');
});

test('empty fields and a wrong password are explained next to the form', async ({ page }) => {
  const { alice } = users();
  await page.goto('/sign-in');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Please enter a username')).toBeVisible();
  await expect(page.getByText('Please enter a password')).toBeVisible();
  await page.getByLabel('Username').fill(alice.email);
  await page.getByLabel('Password', { exact: true }).fill('not-the-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText(/incorrect/i);
  await expect(page).toHaveURL(/\/sign-in/);
});

test('a signed-out visitor is sent to sign in and brought back; signing out ends the session', async ({ page }) => {
  const { alice } = users();
  await page.goto('/quick-links');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fquick-links$/);
  await page.getByLabel('Username').fill(alice.email);
  await page.getByLabel('Password', { exact: true }).fill(alice.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/quick-links$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Customer Logins and Links' })).toBeVisible();

  await page.getByRole('button', { name: /Account menu for Alice Carter/ }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await page.goto('/support');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fsupport$/);
});
