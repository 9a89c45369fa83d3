import { randomWallet } from '@lighthouse/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { WEBHOOK_SECRET, type Stack } from '../e2e/alerting-stack';
import {
  launchBrowser,
  screenshot,
  startDashboardStack,
  walletContext,
  expectAccessible,
} from './harness';

// The dashboard in a real browser against the real services: sign in with an injected wallet,
// create a subscription through the generated form, watch it go down and up against a local
// target with the alerts listed, filter the list, publish a status page and open it. Each main
// page is screenshotted (test-artifacts/screenshots) and checked with axe for WCAG A/AA issues.

jest.setTimeout(240_000);

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const wallet = randomWallet();
const TARGET = '/checkout';
const NAME = 'Checkout API';
let subscriptionUrl = '';

beforeAll(async () => {
  [stack, browser] = await Promise.all([startDashboardStack(), launchBrowser()]);
  ({ context } = await walletContext(browser, wallet));
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the dashboard', () => {
  it('signs in with the injected wallet', async () => {
    await page.goto(`${stack.apiUrl}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(page, '01-sign-in');
    await expectAccessible(page, 'sign-in');
    await page.getByRole('button', { name: 'Sign in with wallet' }).click();
    await page.getByRole('heading', { name: 'Subscriptions' }).waitFor();
    await page.getByText('You have no subscriptions yet.').waitFor();
    await page.getByText(`${wallet.address.slice(0, 6)}…${wallet.address.slice(-4)}`).waitFor();
  });

  it('creates a subscription through the form generated from the OpenAPI schema', async () => {
    await page.getByRole('link', { name: 'New subscription' }).click();
    await page.getByRole('heading', { name: 'New subscription' }).waitFor();
    // a field the API rejects is named next to it, and nothing is created
    await page.getByLabel('Name').fill(NAME);
    await page.getByLabel('Check type').selectOption('http');
    await page.locator('#target-http-url').fill('not a url');
    await page.getByRole('button', { name: 'Create subscription' }).click();
    await page.locator('#target-http-url-error').waitFor();
    expect((await stack.call('GET', '/v1/subscriptions')).body.items).toEqual([]);

    await page.locator('#target-http-url').fill(stack.targetUrl(TARGET));
    await page.getByLabel('Check frequency (seconds)').fill('1');
    await page.getByLabel('Failure threshold').fill('1');
    await page.getByLabel('Recovery threshold').fill('1');
    await page.getByRole('button', { name: 'Add a channel' }).click();
    await page.getByLabel('Channel type').selectOption('webhook');
    await page.locator('[id^="channel-"][id$="-url"]').fill(`${stack.peerUrl}/hooks/dashboard`);
    await page.locator('[id^="channel-"][id$="-secret"]').fill(WEBHOOK_SECRET);
    await screenshot(page, '02-new-subscription');
    await expectAccessible(page, 'subscription form');
    await page.getByRole('button', { name: 'Create subscription' }).click();
    await page.waitForURL(/\/subscriptions\/[0-9a-f-]{36}$/);
    subscriptionUrl = page.url();
    await page.getByRole('heading', { name: NAME }).waitFor();
    await stateIs('Up');
  });

  it('shows the subscription going down and up, with both alerts delivered', async () => {
    stack.setTarget(TARGET, false);
    await stateIs('Down');
    stack.setTarget(TARGET, true);
    await stateIs('Up');
    const alerts = page.getByRole('region', { name: 'Alerts' });
    await alerts.getByText(/down/i).first().waitFor({ timeout: 30_000 });
    await alerts
      .getByText(/recover|up/i)
      .first()
      .waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { name: 'Check history' }).waitFor();
    // uptime over the last day counts the failed checks, and the chart draws the latency
    await page.reload();
    const uptime = page.locator('.sub-figure').first();
    await uptime.getByText(/^\d+(\.\d+)? %$/).waitFor();
    expect(await uptime.innerText()).not.toMatch(/100 %/);
    await page.getByRole('img', { name: /p50/ }).locator('canvas').waitFor();
    await screenshot(page, '03-subscription');
    // what the README shows: the top of the page, as a visitor first sees it
    await screenshot(page, '03-subscription-top', false);
    await expectAccessible(page, 'subscription page');
  });

  it('lists it with its live state, and filters on the server', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Subscriptions' })
      .click();
    const item = page.getByRole('listitem').filter({ hasText: NAME });
    await item.getByText('Up').waitFor();
    await screenshot(page, '04-subscriptions');
    await expectAccessible(page, 'subscription list');
    await page.getByLabel('State').selectOption('down');
    await page.getByText('No subscription matches these filters.').waitFor();
    expect(page.url()).toMatch(/state=down/);
    await page.getByLabel('State').selectOption('up');
    await item.waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Search').fill('no such thing');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No subscription matches these filters.').waitFor();
    await page.getByLabel('Search').fill('checkout');
    await page.getByRole('button', { name: 'Search' }).click();
    await item.waitFor();
  });

  it('publishes a status page and opens it', async () => {
    await page.getByRole('link', { name: 'Status pages' }).click();
    await page.getByRole('link', { name: 'New status page' }).click();
    await page.getByLabel('Title').fill('Shop status');
    await page.getByLabel('Slug').fill(`shop-${Date.now().toString(36)}`);
    await page.getByRole('checkbox', { name: NAME }).check();
    await page.getByRole('checkbox', { name: 'Published' }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    const open = page.getByRole('link', { name: 'Open status page' });
    await open.waitFor();
    // the preview frames the public page as visitors will see it
    await page.frameLocator('iframe[title^="Preview"]').getByText(NAME).first().waitFor();
    await screenshot(page, '05-status-page-editor');
    await expectAccessible(page, 'status page editor');
    const [publicPage] = await Promise.all([context.waitForEvent('page'), open.click()]);
    await publicPage.waitForLoadState();
    await publicPage.getByText('Shop status').first().waitFor();
    await publicPage.getByText(NAME).first().waitFor();
    await screenshot(publicPage, '06-public-status-page');
    await publicPage.close();
  });

  it('fits a phone screen', async () => {
    const phone = await walletContext(browser, wallet, {
      viewport: { width: 390, height: 844 },
      isMobile: true,
    });
    const small = await phone.context.newPage();
    try {
      await small.goto(`${stack.apiUrl}/`);
      await small.getByRole('button', { name: 'Sign in with wallet' }).click();
      await small.getByText(NAME).waitFor();
      for (const [name, url] of [
        ['07-phone-subscriptions', `${stack.apiUrl}/`],
        ['08-phone-subscription', subscriptionUrl],
      ] as const) {
        await small.goto(url);
        await small.getByText(NAME).first().waitFor();
        await small.waitForLoadState('networkidle');
        const overflow = await small.evaluate(
          () => document.documentElement.scrollWidth - window.innerWidth,
        );
        expect({ page: name, overflow }).toEqual({ page: name, overflow: 0 });
        await screenshot(small, name);
      }
    } finally {
      await phone.context.close();
    }
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    // the session token was revoked, not just forgotten
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });
});

/** The subscription page's state badge reads `state` (the page refreshes it on its own). */
async function stateIs(state: string): Promise<void> {
  await page
    .locator('.badge', { hasText: new RegExp(`^${state}$`) })
    .first()
    .waitFor({ timeout: 60_000 });
}
