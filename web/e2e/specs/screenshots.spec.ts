// Screenshots of the portal for the documentation (docs/screenshots/*.png,
// 1280×800), taken with realistic data: an account of its own with a few
// cases, comments and states, seen by its customer.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '../support/test';
import { env } from '../support/env';
import { apiAs, freshAccount, freshUser, staffApi } from '../support/people';
import { signIn } from '../support/ui';

test.use({ viewport: { width: 1280, height: 800 } });

const dir = () => join(env().repo, 'docs', 'screenshots');

test('screenshots of the sign-in page, Overview, Support, a case and the wizard', async ({ page, browser }) => {
  test.setTimeout(120_000);
  mkdirSync(dir(), { recursive: true });
  const shot = (name: string) => page.screenshot({ path: join(dir(), name), fullPage: false, animations: 'disabled', caret: 'hide' });

  // One run of the suite is one server: this number is free.
  const account = await freshAccount('Northwind Traders', ['1 Harbour Road, Portland', '77 Mill Street, Salem'], 'ACC-1042');
  const user = await freshUser({ accounts: [account.id], name: 'Alice Carter', email: `alice.carter.${Date.now()}@northwind.example` });
  const me = await apiAs(user);
  const staff = await staffApi();
  const open = (o: Record<string, unknown>) => me.openCase(account.id, o);

  const upgrade = await open({
    case_type: 'change-service', category: 'upgrade', service_address: '1 Harbour Road, Portland',
    subject: 'Upgrade Harbour Road to 1 Gbps', description: 'We would like to move the office line from 500 Mbps to 1 Gbps.',
  });
  await staff.post(`/cases/${upgrade.number}/accept`, {});
  await staff.post(`/cases/${upgrade.number}/resolve`, { resolution: 'The line was upgraded on Monday; speed tests show 940 Mbps.' });
  const invoice = await open({
    case_type: 'account-billing', category: 'bill-inquiry', fields: { invoice_number: 'INV-20931' },
    subject: 'Question about the November invoice', description: 'The November invoice lists two Smart Voice trunks; we only have one.',
  });
  await staff.post(`/cases/${invoice.number}/request-info`, { message: 'Could you send us the trunk numbers shown on your PBX?' });
  await open({
    case_type: 'add-service', category: 'new-service', service_address: '77 Mill Street, Salem',
    subject: 'Add a second line at the Salem site', description: 'The warehouse needs a second phone line for the loading dock.',
  });
  await open({
    category: 'voice', fields: { phone_number: '+1 503 555 0199' }, service_address: '77 Mill Street, Salem',
    subject: 'Phones ringing out at Mill Street', description: 'Incoming calls ring out after two rings and never reach the hunt group.',
  });
  const down = await open({
    service_address: '1 Harbour Road, Portland', subject: 'Internet down at Harbour Road office',
    description: 'Since 8:10 this morning nothing gets out; the router shows a red WAN light. Around 40 staff are affected.',
  });
  await staff.post(`/cases/${down.number}/accept`, {});
  await staff.post(`/cases/${down.number}/comments`, { body: 'We see the line down at the exchange. An engineer is on the way; arrival around 11:00.' });
  await me.post(`/cases/${down.number}/comments`, { body: 'Thank you. Reception will let the engineer into the comms room.' });
  await me.post(`/cases/${down.number}/watchers`, { email: 'it-desk@northwind.example' });
  await staff.post(`/cases/${down.number}/comments`, { body: 'The fibre was repaired at the cabinet; the line is up. Please confirm that everything works.' });

  // Sign in (signed out).
  const out = await browser.newPage({ baseURL: env().baseURL, viewport: { width: 1280, height: 800 } });
  await out.goto('/sign-in');
  await expect(out.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await out.getByLabel('Username').fill(user.email);
  await out.screenshot({ path: join(dir(), 'sign-in.png'), animations: 'disabled', caret: 'hide' });
  await out.context().close();

  await signIn(page, user);
  const updates = page.getByRole('region', { name: 'Updates' });
  await expect(updates.getByRole('listitem').first()).toContainText('The fibre was repaired');
  await expect(page.getByTestId('open-cases-count')).toHaveText('Showing 5 cases'); // Resolved counts as open until accepted
  await shot('overview.png');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Support' }).click();
  await expect(page.getByRole('table', { name: 'Cases' }).getByRole('row')).toHaveCount(1 + 5);
  await shot('support.png');

  await page.getByRole('link', { name: 'Internet down at Harbour Road office' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Internet down at Harbour Road office' })).toBeVisible();
  await expect(page.getByRole('tabpanel')).toContainText('The fibre was repaired at the cabinet');
  await shot('case.png');

  await page.getByRole('link', { name: 'Create Support Case' }).click();
  await page.getByRole('radio', { name: 'Technical Support' }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('radio', { name: 'Backups' }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('combobox', { name: 'Service address' }).selectOption('1 Harbour Road, Portland');
  await page.getByRole('textbox', { name: 'Subject' }).fill('Nightly backup failed on the file server');
  await page.getByRole('textbox', { name: 'Description' }).fill('The backup job reported "target not reachable" at 02:00 last night.');
  await page.getByRole('textbox', { name: 'Server name' }).fill('nw-files-01');
  await expect(page.getByRole('heading', { name: 'Step 3 of 3: Technical Support — Backups' })).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot('wizard.png');
});
