// Browser steps the specs share.
import { expect, type Page } from '@playwright/test';
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
