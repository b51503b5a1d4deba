// Quick Links: the twelve configured tiles with their descriptions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '../support/test';
import { expectAccessible } from '../support/axe';
import { env } from '../support/env';
import { signIn, users } from '../support/ui';

test('Quick Links shows the twelve configured links with their descriptions', async ({ page }) => {
  const links = JSON.parse(readFileSync(join(env().repo, 'config/quick-links.json'), 'utf8')) as {
    title: string;
    description: string;
    url: string;
  }[];
  expect(links).toHaveLength(12);
  await signIn(page, users().alice);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Quick Links' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Customer Logins and Links' })).toBeVisible();
  const tiles = page.getByRole('main').getByRole('listitem');
  await expect(tiles).toHaveCount(12);
  for (const [i, l] of links.entries()) {
    const tile = tiles.nth(i);
    await expect(tile.getByRole('heading', { level: 2 })).toHaveText(l.title);
    await expect(tile).toContainText(l.description);
    const a = tile.getByRole('link', { name: `Open ${l.title} (opens in a new tab)` });
    await expect(a).toHaveAttribute('href', l.url);
    await expect(a).toHaveAttribute('target', '_blank');
  }
  await expectAccessible(page, 'Quick Links');
});
