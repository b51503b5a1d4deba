// Live chat in the browser: a customer (the chat button on every page) and
// an agent (the agent console) in two browser contexts talk over the chat
// socket; each message shows on the other side within a second; the agent
// opens a case from the chat; the customer has the transcript mailed; with
// no agent online the customer leaves a message, which opens a case.
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from '../support/test';
import { uniqueWord } from '../support/api';
import { expectAccessible } from '../support/axe';
import { env } from '../support/env';
import { countMail } from '../support/mail';
import { eventually, freshAccount, freshUser } from '../support/people';
import { signIn, signedInPage } from '../support/ui';

async function openChat(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'Live chat' }).click();
  const panel = page.getByRole('region', { name: 'Live chat' });
  await expect(panel).toBeVisible();
  return panel;
}

async function send(where: Locator, text: string) {
  await where.getByRole('textbox', { name: 'Type a message' }).fill(text);
  await where.getByRole('button', { name: 'Send', exact: true }).click();
}

test('a customer and an agent chat, each message shows on the other side within a second, and the agent opens a case from it', async ({
  page,
  browser,
}) => {
  const account = await freshAccount();
  const customer = await freshUser({ accounts: [account.id], name: 'Test Chatter' });
  const agent = await freshUser({ role: 'staff', name: 'Agent Ada' });

  const console_ = await signedInPage(browser, agent);
  await console_.goto('/staff/chat');
  await expect(console_.getByRole('heading', { name: 'Live chat', level: 1 })).toBeVisible();
  await console_.getByRole('checkbox', { name: 'Sales' }).uncheck();
  await console_.getByRole('button', { name: 'Go online' }).click();
  await expect(console_.getByRole('status').filter({ hasText: 'Online for Support' })).toBeVisible();

  await signIn(page, customer);
  const panel = await openChat(page);
  await expect(panel).toContainText('Hi Test, Welcome to');
  await expect(panel).toContainText('Would you like to connect to?');
  const topic = `Line drops every evening ${uniqueWord()}`;
  await panel.getByLabel('What is it about? (optional)').fill(topic);
  await panel.getByRole('group', { name: 'Would you like to connect to?' }).getByRole('button', { name: 'Support' }).click();
  await expect(panel.getByRole('status').first()).toContainText('Waiting for an agent of Support');

  const row = console_.getByRole('row').filter({ hasText: topic });
  await row.getByRole('button', { name: 'Accept the chat with Test Chatter' }).click();
  const chatWindow = console_.getByRole('article', { name: 'Chat with Test Chatter' });
  await expect(chatWindow).toBeVisible();
  await expect(panel.getByRole('status').first()).toContainText('You are chatting with Agent Ada');
  await expect(chatWindow.getByRole('region', { name: 'About Test Chatter' })).toContainText(account.id);

  const hello = `My line drops at 7 pm ${uniqueWord()}`;
  await send(panel, hello);
  let started = Date.now();
  await expect(chatWindow.getByRole('log').getByText(hello)).toBeVisible({ timeout: 1000 });
  console.log(`LIVE chat_customer_to_agent_ms=${Date.now() - started}`);

  const answer = `I see the drops on our side ${uniqueWord()}`;
  await send(chatWindow, answer);
  started = Date.now();
  await expect(panel.getByRole('log').getByText(answer)).toBeVisible({ timeout: 1000 });
  console.log(`LIVE chat_agent_to_customer_ms=${Date.now() - started}`);

  await expectAccessible(page, 'the chat panel');
  await expectAccessible(console_, 'the agent console');
  // For the README (docs/screenshots, as screenshots.spec.ts takes the others).
  const shot = (p: Page, name: string) =>
    p.screenshot({ path: join(env().repo, 'docs', 'screenshots', name), animations: 'disabled', caret: 'hide' });
  await shot(page, 'chat.png');
  await shot(console_, 'agent-console.png');

  // The agent types: the customer sees it.
  await chatWindow.getByRole('textbox', { name: 'Type a message' }).pressSequentially('One mo');
  await expect(panel).toContainText('Agent Ada is typing…');

  await chatWindow.getByRole('button', { name: 'Open a case from this chat' }).click();
  const opened = chatWindow.getByRole('status').filter({ hasText: /Case CS\d{11} opened/ });
  await expect(opened).toBeVisible();
  const number = (await opened.getByRole('link').textContent())!.trim();
  // Both sides see it in the thread; the customer follows the link.
  await expect(chatWindow.getByRole('log')).toContainText(`Case ${number} was opened from this chat`);
  const link = panel.getByRole('log').getByRole('link', { name: number });
  await expect(link).toBeVisible();
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/cases/${number}$`));
  const main = page.getByRole('main');
  await expect(main).toContainText(topic);
  await expect(main).toContainText(hello);
  await expect(main).toContainText(answer);

  await chatWindow.getByRole('button', { name: 'End chat' }).click();
  await expect(panel.getByRole('status').first()).toContainText('This chat has ended.');
  // The transcript by e-mail, once.
  await panel.getByRole('button', { name: 'E-mail me the transcript' }).click();
  await expect(panel.getByRole('log')).toContainText('The transcript was sent by e-mail');
  await expect(panel.getByRole('button', { name: 'E-mail me the transcript' })).toBeDisabled();
  await eventually('the transcript mail', async () => countMail(customer.email, 'Your chat transcript') === 1, 30_000);
  await console_.getByRole('button', { name: 'Go offline' }).click();
  await expect(console_.getByRole('status').filter({ hasText: 'Offline' })).toBeVisible();
  await console_.context().close();
});

test('with no agent online the customer leaves a message, which opens a case with the chat', async ({ page }) => {
  const account = await freshAccount();
  const customer = await freshUser({ accounts: [account.id], name: 'Lone Caller' });
  await signIn(page, customer);
  const panel = await openChat(page);
  const sales = panel.getByRole('group', { name: 'Would you like to connect to?' }).getByRole('button', { name: /Sales/ });
  await expect(sales).toContainText('no agent online');
  const topic = `A faster line for the shop ${uniqueWord()}`;
  await panel.getByLabel('What is it about? (optional)').fill(topic);
  await sales.click();
  await expect(panel).toContainText('No agent of Sales is online right now');
  const leave = panel.getByRole('button', { name: 'Leave a message' });
  await expect(leave).toBeDisabled(); // nothing written yet
  const message = `Please call me about 1 Gbit/s ${uniqueWord()}`;
  await send(panel, message);
  await expect(panel.getByRole('log').getByText(message)).toBeVisible();
  await leave.click();
  await expect(panel.getByRole('status').first()).toContainText('This chat has ended.');
  const link = panel.getByRole('link', { name: /^CS\d{11}$/ }).last();
  await expect(link).toBeVisible();
  await link.click();
  const main = page.getByRole('main');
  await expect(main).toContainText(topic);
  await expect(main).toContainText(message);
});
