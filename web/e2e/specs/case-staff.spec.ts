// Staff on a customer's case: the lifecycle and internal notes, which the
// customer never sees.
import { expect, test } from '../support/test';
import { uniqueWord } from '../support/api';
import { expectAccessible } from '../support/axe';
import { aliceApi } from '../support/people';
import { caseField, gotoCase, signIn, signedInPage, users } from '../support/ui';

test('staff accept and resolve a case and add an internal note the customer does not see', async ({ page, browser }) => {
  const subject = `VPN drops every hour ${uniqueWord()}`;
  const kase = await (await aliceApi()).openCase(users().alice.account!, { subject });
  const note = `Customer is on the legacy firmware ${uniqueWord()}`;
  const resolution = `Upgraded the firewall firmware ${uniqueWord()}`;

  const staff = await signedInPage(browser, users().staff);
  await gotoCase(staff, kase.number, subject);
  const actions = staff.getByRole('group', { name: 'Case actions' });
  await actions.getByRole('button', { name: 'Accept' }).click();
  await expect(caseField(staff, 'State')).toHaveText('Open');

  await staff.getByRole('textbox', { name: 'Internal note' }).fill(note);
  await staff.getByRole('button', { name: 'Add internal note' }).click();
  const noteItem = staff.getByRole('tabpanel').getByRole('listitem').filter({ hasText: note });
  await expect(noteItem).toContainText('Internal');
  await expect(noteItem).toContainText('Sam Agent (Support) added an internal note');
  await expectAccessible(staff, 'case page (staff)');

  await actions.getByRole('button', { name: 'Resolve' }).click();
  const dialog = staff.getByRole('dialog', { name: 'Resolve case' });
  await dialog.getByRole('button', { name: 'Resolve' }).click();
  await expect(dialog.getByText('Please enter the resolution')).toBeVisible();
  await dialog.getByRole('textbox', { name: 'Resolution' }).fill(resolution);
  await dialog.getByRole('button', { name: 'Resolve' }).click();
  await expect(dialog).toBeHidden();
  await expect(caseField(staff, 'State')).toHaveText('Resolved');
  await expect(staff.getByRole('region', { name: 'Case details' })).toContainText(resolution);
  await staff.context().close();

  await signIn(page, users().alice);
  await gotoCase(page, kase.number, subject);
  await expect(caseField(page, 'State')).toHaveText('Resolved');
  await expect(page.getByRole('region', { name: 'Case details' })).toContainText(resolution);
  await expect(page.getByRole('tabpanel')).toContainText('Sam Agent (Support) resolved the case');
  await expect(page.getByText(note)).toHaveCount(0);
  await expect(page.getByText('Internal', { exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Accept resolution' })).toBeVisible();
  const activity = (await (await aliceApi()).get(`/cases/${kase.number}/activity`)).data;
  expect(activity.map((a: { type: string }) => a.type)).not.toContain('internal_note');
  expect(JSON.stringify(activity)).not.toContain(note);
});
