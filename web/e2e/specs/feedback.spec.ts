// Send Feedback from the footer; staff read it on the Feedback page.
import { expect, test } from '../support/test';
import { uniqueWord } from '../support/api';
import { expectAccessible } from '../support/axe';
import { signIn, signedInPage, users } from '../support/ui';

test('feedback sent from the footer shows on the staff Feedback page', async ({ page, browser }) => {
  const message = `The new case wizard is much quicker ${uniqueWord()}`;
  await signIn(page, users().alice);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Quick Links' }).click();
  await expect(page).toHaveURL(/\/quick-links$/);
  await page.getByRole('contentinfo').getByRole('button', { name: 'Send Feedback' }).click();
  const dialog = page.getByRole('dialog', { name: 'Send Feedback' });
  await expect(dialog.locator(':focus')).toHaveCount(1); // the modal takes focus
  await expectAccessible(page, 'Send Feedback dialog');
  await dialog.getByRole('button', { name: 'Send' }).click();
  await expect(dialog.getByText('Please enter your feedback')).toBeVisible();
  await dialog.getByRole('textbox', { name: 'Your feedback' }).fill(message);
  await dialog.getByRole('group', { name: 'Rating (optional)' }).getByRole('radio', { name: '4' }).check();
  await dialog.getByRole('button', { name: 'Send' }).click();
  await expect(dialog.getByRole('status')).toHaveText('Thank you for your feedback');
  await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
  await expect(dialog).toBeHidden();

  const staff = await signedInPage(browser, users().staff);
  await staff.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Feedback' }).click();
  await expect(staff.getByRole('heading', { level: 1, name: 'Feedback' })).toBeVisible();
  const row = staff.getByRole('table', { name: 'Feedback' }).getByRole('row').filter({ hasText: message });
  await expect(row).toContainText('Alice Carter');
  await expect(row).toContainText('4 of 5');
  await expect(row).toContainText('/quick-links');
  await expectAccessible(staff, 'Feedback (staff)');
  await staff.context().close();
});
