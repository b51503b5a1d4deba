// Request portal access → staff approves onto an existing account → the
// invitation mail → the requester chooses a password and signs in.
import { expect, test } from '../support/test';
import { uniqueWord } from '../support/api';
import { expectAccessible } from '../support/axe';
import { env } from '../support/env';
import { linkInMail } from '../support/mail';
import { aliceApi, freshPassword } from '../support/people';
import { signIn, signedInPage, users } from '../support/ui';

test('an access request approved by staff becomes an account through the invitation link', async ({ page, browser }) => {
  const word = uniqueWord();
  const name = `Requester ${word}`;
  const email = `${word}@requester.example`;
  const northwind = env().accounts.northwind;
  const subject = `Router reboot ${uniqueWord()}`;
  const seeded = await (await aliceApi()).openCase(northwind.id, { subject });

  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Request portal access' }).click();
  await expect(page.getByRole('heading', { name: 'Request portal access' })).toBeVisible();
  await expectAccessible(page, 'Request portal access');
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
  await page.getByLabel('Phone').fill('+1 503 555 0142');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Account name').fill('Northwind Traders');
  await page.getByLabel('Account number (optional)').fill(northwind.account_number);
  await page.getByRole('textbox', { name: 'Service address', exact: true }).fill('1 Harbour Road, Portland');
  await page.getByLabel('Description').fill('I look after the Harbour Road office network.');
  await page.getByRole('button', { name: 'Request access' }).click();
  await expect(page.getByRole('status')).toBeVisible();

  const staff = await signedInPage(browser, users().staff);
  await staff.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Access Requests' }).click();
  await expect(staff.getByRole('heading', { name: 'Access Requests' })).toBeVisible();
  const card = staff.getByRole('listitem').filter({ has: staff.getByRole('heading', { name }) });
  await expect(card).toContainText(email);
  await expect(card).toContainText('1 Harbour Road, Portland');
  await expectAccessible(staff, 'Access Requests');
  await card.getByRole('button', { name: `Decide on ${name}'s request` }).click();
  await card.getByLabel('Existing account').check();
  await card.getByLabel('Account id').fill(northwind.id);
  await card.getByLabel('Role').selectOption('customer');
  await card.getByRole('button', { name: 'Approve', exact: true }).click();
  await expect(card.getByRole('status')).toContainText('The request is approved.');
  await staff.context().close();

  const link = await linkInMail(email, 'invited', '/activate');
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Activate your account' })).toBeVisible();
  await expect(page.getByText(`Welcome, ${name}.`)).toBeVisible();
  await expectAccessible(page, 'Activate your account');
  const password = freshPassword();
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password').fill(password);
  await page.getByRole('button', { name: 'Activate account' }).click();
  await expect(page.getByRole('status')).toContainText('Your password is set and your account is active.');

  await signIn(page, { email, password });
  await expect(page.getByRole('heading', { name: 'How can we help you?' })).toBeVisible();
  const open = page.getByRole('table', { name: 'Open Support Cases' });
  const row = open.getByRole('row').filter({ hasText: seeded.number });
  await expect(row).toContainText('Northwind Traders');
  await expect(page.getByRole('region', { name: 'Updates' })).toContainText(subject);
  await expectAccessible(page, 'Overview of the new customer');
});
