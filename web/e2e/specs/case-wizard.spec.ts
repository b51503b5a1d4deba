// The Create Support Case wizard, for each of the four request types:
// tile → category → details (with the category's own field) → the new case.
import { expect, test } from '../support/test';
import { uniqueWord } from '../support/api';
import { expectAccessible } from '../support/axe';
import { aliceApi } from '../support/people';
import { caseField, signIn, users } from '../support/ui';

const CASES = [
  { type: 'Technical Support', category: 'Backups', field: 'Server name', value: 'nas-harbour-01', key: 'server_name' },
  { type: 'Account & Billing Support', category: 'Bill Inquiry', field: 'Invoice number', value: 'INV-20931', key: 'invoice_number' },
  { type: 'Add New Service or Location', category: 'New Location', field: 'Site address', value: '40 Pier Street, Astoria', key: 'site_address' },
  { type: 'Change Existing Service', category: 'Disconnect', field: 'Requested disconnect date', value: '2027-01-31', key: 'disconnect_date' },
];

for (const c of CASES) {
  test(`a customer opens a "${c.type}" case through the wizard`, async ({ page }) => {
    const subject = `${c.category} request ${uniqueWord()}`;
    await signIn(page, users().alice);
    await page.getByRole('region', { name: 'How can we help you?' }).getByRole('link', { name: new RegExp(`^${c.type.replace(/[&]/g, '\\$&')}`) }).click();
    await expect(page.getByRole('heading', { name: `Step 2 of 3: ${c.type} — choose a category` })).toBeVisible();
    await expectAccessible(page, `wizard step 2 (${c.type})`);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByRole('alert')).toHaveText('Please choose a category');
    await page.getByRole('radio', { name: c.category, exact: true }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByRole('heading', { name: `Step 3 of 3: ${c.type} — ${c.category}` })).toBeVisible();
    await expectAccessible(page, `wizard step 3 (${c.type})`);

    await expect(page.getByRole('combobox', { name: 'Account' })).toHaveValue(users().alice.account!);
    await page.getByRole('combobox', { name: 'Service address' }).selectOption('77 Mill Street, Salem');
    await page.getByRole('textbox', { name: 'Subject' }).fill(subject);
    await page.getByRole('textbox', { name: 'Description' }).fill('Details for the support team.');
    await page.getByRole('textbox', { name: c.field }).fill(c.value);
    await page.getByRole('button', { name: 'Submit' }).click();

    await expect(page).toHaveURL(/\/cases\/CS\d{11}$/);
    await expect(page.getByRole('heading', { level: 1, name: subject })).toBeVisible();
    const details = page.getByRole('region', { name: 'Case details' });
    await expect(details).toContainText(c.type);
    await expect(details).toContainText(c.category);
    await expect(details).toContainText('77 Mill Street, Salem');
    await expect(details).toContainText(`${c.field}${c.value}`);
    const number = page.url().split('/').pop()!;
    const saved = await (await aliceApi()).get(`/cases/${number}`);
    expect(saved).toMatchObject({ subject, service_address: '77 Mill Street, Salem', fields: { [c.key]: c.value } });
    await expectAccessible(page, 'the new case');
  });
}

test('the header button starts the wizard at the request type', async ({ page }) => {
  const subject = `Mailbox full ${uniqueWord()}`;
  await signIn(page, users().alice);
  await page.getByRole('link', { name: 'Create Support Case' }).click();
  await expect(page.getByRole('heading', { name: 'Step 1 of 3: What do you need help with?' })).toBeVisible();
  await expect(page.getByRole('radio')).toHaveCount(4);
  await expectAccessible(page, 'wizard step 1');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('alert')).toHaveText('Please choose a request type');
  await page.getByRole('radio', { name: 'Technical Support' }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: 'E-mail' }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  // Back keeps the choices made.
  await page.getByRole('button', { name: 'Back', exact: true }).click();
  await expect(page.getByRole('radio', { name: 'E-mail' })).toBeChecked();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('textbox', { name: 'Subject' }).fill(subject);
  await page.getByRole('textbox', { name: 'Description' }).fill('Nobody can receive mail since 9:00.');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page.getByRole('heading', { level: 1, name: subject })).toBeVisible();
  await expect(caseField(page, 'Category')).toHaveText('E-mail');
});

test('a required category field is asked for before the case is sent', async ({ page }) => {
  await signIn(page, users().alice);
  await page.goto('/cases/new?type=technical-support');
  await page.getByRole('radio', { name: 'Backups' }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('textbox', { name: 'Subject' }).fill(`No server ${uniqueWord()}`);
  await page.getByRole('textbox', { name: 'Description' }).fill('Nightly backup failed.');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page.getByText('Please enter the server name')).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Server name' })).toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(/\/cases\/new/);
});
