// Browser steps the specs share.
import { expect, type Browser, type BrowserContextOptions, type Page } from '@playwright/test';
import { env, type User } from './env';

export async function signIn(page: Page, user: User | { email: string; password: string }) {
  await page.goto('/sign-in');
  await page.getByLabel('Username').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/sign-in/);
}

export function users() {
  return env().users;
}

/** A page in a browser context of its own, signed in as `user`. */
export async function signedInPage(browser: Browser, user: { email: string; password: string }, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ baseURL: env().baseURL, ...options });
  const page = await context.newPage();
  await signIn(page, user);
  return page;
}

/** Signs in through the form and expects it to be refused. */
export async function expectSignInRefused(page: Page, user: { email: string; password: string }) {
  await page.goto('/sign-in');
  await page.getByLabel('Username').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText(/incorrect/i);
  await expect(page).toHaveURL(/\/sign-in/);
}

/** Opens a tab of the case page ("Activity Stream", "Manage Attachments", "Manage Watch List"). */
export async function openTab(page: Page, name: string) {
  await page.getByRole('tab', { name }).click();
  await expect(page.getByRole('tab', { name })).toHaveAttribute('aria-selected', 'true');
}

/** Waits for the case page of `number` to show its subject. */
export async function gotoCase(page: Page, number: string, subject: string) {
  await page.goto(`/cases/${number}`);
  await expect(page.getByRole('heading', { level: 1, name: subject })).toBeVisible();
}

/** The value a case page shows for one of its fields ("State", "Account", …). */
export function caseField(page: Page, name: string) {
  return page
    .getByRole('region', { name: 'Case details' })
    .locator('.case-field')
    .filter({ has: page.getByRole('term').getByText(name, { exact: true }) })
    .getByRole('definition');
}
