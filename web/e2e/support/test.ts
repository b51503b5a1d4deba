// The specs' `test`: Playwright's, with the base URL of the docketd that
// global-setup.ts started (known only once it runs).
import { test as base } from '@playwright/test';
import { env } from './env';

export const test = base.extend({
  baseURL: async ({}, use) => {
    await use(env().baseURL);
  },
});
export { expect } from '@playwright/test';
