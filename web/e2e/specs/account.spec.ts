// My Account: changing the password.
import { expect, test } from '../support/test';
import { expectAccessible } from '../support/axe';
import { freshPassword, freshUser } from '../support/people';
import { expectSignInRefused, signIn } from '../support/ui';

test('a customer changes the password on My Account', async ({ page }) => {
  const user = await freshUser();
  await signIn(page, user);
  await page.getByRole('button', { name: /Account menu for/ }).click();
  await page.getByRole('menuitem', { name: 'My Account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'My Account' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Profile' })).toContainText(user.email);
  await expectAccessible(page, 'My Account');

  const form = page.getByRole('form', { name: 'Change password' });
  const fresh = freshPassword();
  await form.getByRole('textbox', { name: 'Current password' }).fill('not-my-password-9');
  await form.getByRole('textbox', { name: 'New password', exact: true }).fill(fresh);
  await form.getByRole('textbox', { name: 'Confirm new password' }).fill(fresh);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.locator('.field-error, [role=alert]').first()).toBeVisible();

  await form.getByRole('textbox', { name: 'Current password' }).fill(user.password);
  await form.getByRole('textbox', { name: 'New password', exact: true }).fill(fresh);
  await form.getByRole('textbox', { name: 'Confirm new password' }).fill(fresh);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByRole('status')).toBeVisible();

  await page.context().clearCookies();
  await expectSignInRefused(page, user);
  await signIn(page, { email: user.email, password: fresh });
  await expect(page.getByRole('heading', { name: 'How can we help you?' })).toBeVisible();
});
