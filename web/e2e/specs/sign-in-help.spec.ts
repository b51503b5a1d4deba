// "Need help signing in?": a forgotten password and a locked account, each
// through the link the portal e-mails.
import { expect, test } from '../support/test';
import { expectAccessible } from '../support/axe';
import { linkInMail } from '../support/mail';
import { apiAs, freshPassword, freshUser, staffApi, eventually } from '../support/people';
import { expectSignInRefused, signIn } from '../support/ui';

test('a forgotten password is replaced through the e-mailed link', async ({ page }) => {
  const user = await freshUser();
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Need help signing in?' }).click();
  await expect(page.getByRole('heading', { name: 'Need help signing in?' })).toBeVisible();
  await expectAccessible(page, 'Need help signing in?');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await expect(page.getByRole('heading', { name: 'Forgot password?' })).toBeVisible();
  await expectAccessible(page, 'Forgot password?');
  await page.getByLabel('Username').fill(user.email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('status')).toContainText(/e-mail|email/i);

  const link = await linkInMail(user.email, 'Set a new password', '/reset-password');
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await expect(page.getByText(`Choose a new password for ${user.email}`)).toBeVisible();
  await expectAccessible(page, 'Choose a new password');
  const fresh = freshPassword();
  await page.getByLabel('New password', { exact: true }).fill(fresh);
  await page.getByLabel('Confirm new password').fill(fresh);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByRole('status')).toContainText('Your password has been changed');

  await expectSignInRefused(page, user);
  await signIn(page, { email: user.email, password: fresh });
  await expect(page.getByRole('heading', { name: 'How can we help you?' })).toBeVisible();
});

test('a locked account is unlocked through the e-mailed link and the challenge answer', async ({ page }) => {
  const user = await freshUser();
  const self = await apiAs(user);
  const questions = (await self.get('/auth/challenge-questions')).data as { id: string; text: string }[];
  const question = questions[1];
  await self.put('/me/challenge', { question_id: question.id, answer: 'Springfield', current_password: user.password });

  for (let i = 0; i < 5; i++) await expectSignInRefused(page, { email: user.email, password: `wrong-${i}-password` });
  const staff = await staffApi();
  await eventually('the user is locked', async () => (await staff.get(`/users/${user.id}`)).locked === true);
  await expectSignInRefused(page, user); // a locked user's right password is refused too

  await page.getByRole('link', { name: 'Need help signing in?' }).click();
  await page.getByRole('link', { name: 'Unlock account?' }).click();
  await expect(page.getByRole('heading', { name: 'Unlock account?' })).toBeVisible();
  await expectAccessible(page, 'Unlock account?');
  await page.getByLabel('Username').fill(user.email);
  await page.getByRole('button', { name: 'Send unlock link' }).click();
  await expect(page.getByRole('status')).toBeVisible();

  const link = await linkInMail(user.email, 'Unlock your portal account', '/unlock');
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Unlock your account' })).toBeVisible();
  const answer = page.getByLabel(question.text);
  await expect(answer).toBeVisible();
  await expectAccessible(page, 'Unlock your account');
  await answer.fill('springfield ');
  await page.getByRole('button', { name: 'Unlock account' }).click();
  await expect(page.getByRole('status')).toContainText('Your account is unlocked.');
  await eventually('the user is unlocked', async () => (await staff.get(`/users/${user.id}`)).locked === false);

  await signIn(page, user);
  await expect(page.getByRole('heading', { name: 'How can we help you?' })).toBeVisible();
});
