import type { Browser, BrowserContext, Page } from 'playwright-core';
import { WEBHOOK_SECRET, type Stack } from '../e2e/alerting-stack';
import {
  expectAccessible,
  horizontalOverflow,
  launchBrowser,
  PHONE,
  screenshot,
  startDashboardStack,
} from './harness';

// A newcomer's first run of a self-hosted Lighthouse, in Chromium against the four services:
// the link printed at the first start signs the owner in (no wallet anywhere in this browser),
// the console is theirs, a 10 s HTTP monitor of a service on 127.0.0.1 goes up, and when the
// service stops the webhook alert arrives within the interval plus the default retry and a few
// seconds; then it comes back up. The retry settings are the defaults (20 s, threshold 2).

jest.setTimeout(180_000);

const TARGET = '/home-service';
const NAME = 'Home service';
const INTERVAL_S = 10;
const RETRY_S = 20;

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startDashboardStack({ mode: 'self-hosted', checker: { CHECKER_HEARTBEAT_MS: '500' } }),
    launchBrowser(),
  ]);
  // a plain browser: no window.ethereum
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function stateIs(state: string, timeout = 60_000): Promise<void> {
  await page
    .locator('.sub-header [role="status"]', { hasText: new RegExp(`^State: ${state}$`) })
    .waitFor({ timeout });
}

describe('a self-hosted first run', () => {
  it('opens the sign-in page with no wallet and explains the link', async () => {
    await page.goto(`${stack.apiUrl}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByText('./lighthouse admin-link', { exact: false }).first().waitFor();
    expect(await page.evaluate(() => 'ethereum' in window)).toBe(false);
    await screenshot(page, 'self-hosted-01-sign-in');
    await expectAccessible(page, 'self-hosted sign-in');
  });

  it('signs the owner in with the link printed at the first start, once', async () => {
    expect(stack.signInLink).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sign-in#token=lhl_/);
    await page.goto(stack.signInLink ?? '');
    await page.getByRole('heading', { name: 'Subscriptions' }).waitFor();
    // the token is gone from the address bar, and the owner is named as such
    expect(page.url()).not.toContain('token=');
    await page.getByRole('link', { name: 'Owner' }).waitFor();
    // no prices or payments here: the nav has no Payments, and does have the console
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Console' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Payments' }).count()).toBe(0);
    // a new tab of the same browser is still signed in
    const other = await context.newPage();
    await other.goto(`${stack.apiUrl}/`);
    await other.getByRole('heading', { name: 'Subscriptions' }).waitFor();
    await other.close();
    // the link is spent: a second browser cannot use it
    const stranger = await browser.newContext();
    const strangerPage = await stranger.newPage();
    await strangerPage.goto(stack.signInLink ?? '');
    await strangerPage
      .getByRole('alert')
      .getByText(/used already|unknown|expired/)
      .waitFor();
    await stranger.close();
  });

  it('shows the owner the operator console', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Console' })
      .click();
    await page.getByRole('heading', { name: 'Console' }).waitFor();
    await screenshot(page, 'self-hosted-02-console');
  });

  it('creates a 10 s monitor of a service on 127.0.0.1 with every check type offered and no tier to pick', async () => {
    await page.goto(`${stack.apiUrl}/subscriptions/new`);
    await page.getByRole('heading', { name: 'New subscription' }).waitFor();
    expect(await page.getByLabel('Tier').count()).toBe(0);
    const types = await page.getByLabel('Check type').locator('option').allInnerTexts();
    expect(types.length).toBe(11);
    expect(types.join(' ')).not.toMatch(/not on/);
    await page.getByLabel('Name').fill(NAME);
    await page.getByLabel('Check type').selectOption('http');
    await page.locator('#target-http-url').fill(stack.targetUrl(TARGET));
    await page.getByLabel('Check frequency (seconds)').fill(String(INTERVAL_S));
    await page.getByRole('button', { name: 'Add a channel' }).click();
    await page.getByLabel('Channel type').selectOption('webhook');
    await page.locator('[id^="channel-"][id$="-url"]').fill(`${stack.peerUrl}/hooks/home`);
    await page.locator('[id^="channel-"][id$="-secret"]').fill(WEBHOOK_SECRET);
    await expectAccessible(page, 'self-hosted subscription form');
    await page.getByRole('button', { name: 'Create subscription' }).click();
    await page.waitForURL(/\/subscriptions\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: NAME }).waitFor();
    await stateIs('Up');
    const id = /\/subscriptions\/([0-9a-f-]{36})$/.exec(page.url())?.[1] ?? '';
    const created = await stack.call('GET', `/v1/subscriptions/${id}`);
    expect(created.body).toMatchObject({
      tier: 'self_hosted',
      check_frequency_seconds: INTERVAL_S,
      retry_interval_seconds: RETRY_S,
      failure_threshold: 2,
    });
  });

  it('alerts within interval + retry + a few seconds of the service stopping, then it is up again', async () => {
    const stopped = Date.now();
    stack.setTarget(TARGET, false);
    const hook = await stack.until(
      'the down alert on the webhook',
      () =>
        Promise.resolve(
          stack.calls.find(
            (c) =>
              c.path === '/hooks/home' &&
              (c.body as { event?: string }).event === 'subscription.down',
          ),
        ),
      (INTERVAL_S + RETRY_S + 15) * 1000,
    );
    const tookMs = hook.at - stopped;
    expect(tookMs).toBeLessThan((INTERVAL_S + RETRY_S + 8) * 1000);
    expect(tookMs).toBeLessThan(45_000);
    // the outage is dated from its first failed check, before the one that confirmed it
    const body = hook.body as { since: string; check: { time: string } };
    expect(Date.parse(body.since)).toBeLessThan(Date.parse(body.check.time));
    expect(Date.parse(body.since)).toBeGreaterThanOrEqual(stopped - INTERVAL_S * 1000);
    await stateIs('Down');

    stack.setTarget(TARGET, true);
    await stateIs('Up', (INTERVAL_S + 15) * 1000);
    await stack.until(
      'the recovery on the webhook',
      () =>
        Promise.resolve(
          stack.calls.find(
            (c) =>
              c.path === '/hooks/home' &&
              (c.body as { event?: string }).event === 'subscription.up',
          ),
        ),
      30_000,
    );
    await screenshot(page, 'self-hosted-03-subscription');
  });

  it('fits a phone', async () => {
    const phone = await browser.newContext({ ...PHONE });
    const session = await page.evaluate(() => localStorage.getItem('lighthouse.session'));
    await phone.addInitScript((value) => {
      if (value) localStorage.setItem('lighthouse.session', value);
    }, session);
    const small = await phone.newPage();
    await small.goto(`${stack.apiUrl}/`);
    await small.getByRole('heading', { name: 'Subscriptions' }).waitFor();
    expect(await horizontalOverflow(small)).toBeLessThanOrEqual(0);
    await phone.close();
  });
});
