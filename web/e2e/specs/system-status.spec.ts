// System Status: staff post a service's status; customers see it under the
// service's name and open a case about it through the wizard.
import { expect, test } from '../support/test';
import { uniqueWord } from '../support/api';
import { expectAccessible } from '../support/axe';
import { aliceApi } from '../support/people';
import { signIn, signedInPage, users } from '../support/ui';

const SERVICES = ['Communications', 'Security & Managed IT Services', 'Network Infrastructure', 'Connectivity', 'UCx Webex Teams', 'Microsoft 365'];

test('a status posted by staff shows to customers, who open a case about it', async ({ page, browser }) => {
  const message = `Fibre cut near the Portland exchange ${uniqueWord()}`;
  const staff = await signedInPage(browser, users().staff);
  await staff.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'System Status' }).click();
  await expect(staff.getByRole('heading', { level: 1, name: 'System Status' })).toBeVisible();
  await staff.getByRole('combobox', { name: 'Status for Connectivity' }).selectOption('OUTAGE');
  await staff.getByRole('textbox', { name: 'Message for Connectivity' }).fill(message);
  await staff.getByRole('button', { name: 'Post status for Connectivity' }).click();
  const posted = staff.getByRole('listitem').filter({ has: staff.getByRole('heading', { name: 'Connectivity', exact: true }) });
  await expect(posted.getByRole('status')).toHaveText('Status posted.');
  await expectAccessible(staff, 'System Status (staff)');
  await staff.context().close();

  await signIn(page, users().alice);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'System Status' }).click();
  await expect(page.getByRole('heading', { level: 3 })).toHaveText(SERVICES);
  const item = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Connectivity', exact: true }) });
  await expect(item).toContainText('Outage');
  await expect(item).toContainText(message);
  await expect(page.getByRole('button', { name: /^Post status/ })).toHaveCount(0);
  await expectAccessible(page, 'System Status');

  await item.getByRole('link', { name: 'Open a case about Connectivity' }).click();
  await expect(page.getByRole('heading', { name: 'Step 2 of 3: Technical Support — choose a category' })).toBeVisible();
  await page.getByRole('radio', { name: 'Internet' }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('textbox', { name: 'Subject' })).toHaveValue('Issue with Connectivity');
  await page.getByRole('textbox', { name: 'Description' }).fill(`No connection since the outage: ${message}`);
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page).toHaveURL(/\/cases\/CS\d{11}$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Issue with Connectivity' })).toBeVisible();
  const number = page.url().split('/').pop()!;
  expect(await (await aliceApi()).get(`/cases/${number}`)).toMatchObject({
    case_type: 'technical-support',
    category: 'internet',
    subject: 'Issue with Connectivity',
    description: `No connection since the outage: ${message}`,
  });
});
