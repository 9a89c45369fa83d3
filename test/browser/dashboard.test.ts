import { checkers, createDb, results, rollups, type CheckRow } from '@lighthouse/db';
import { randomWallet, signInOverHttp } from '@lighthouse/testing';
import { createHmac } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { WEBHOOK_SECRET, type Call, type Stack } from '../e2e/alerting-stack';
import {
  launchBrowser,
  screenshot,
  startDashboardStack,
  walletContext,
  expectAccessible,
  PHONE,
  horizontalOverflow,
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
let ownerToken = '';

/** A request to the API as the dashboard's wallet. */
async function asOwner(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${ownerToken}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

beforeAll(async () => {
  [stack, browser] = await Promise.all([startDashboardStack(), launchBrowser()]);
  ({ context } = await walletContext(browser, wallet));
  // the API as the same wallet sees it, to check what the dashboard wrote
  ownerToken = await signInOverHttp(stack.apiUrl, new URL(stack.apiUrl).host, wallet);
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
    expect((await asOwner('GET', '/v1/subscriptions')).body.items).toEqual([]);

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
    // each alert is listed with its webhook delivery, settled as delivered
    const alerts = page.getByRole('region', { name: 'Alerts' });
    for (const type of ['down', 'up']) {
      await alerts
        .locator(`li[data-alert-type="${type}"]`)
        .getByRole('list', { name: 'Deliveries' })
        .getByText('Delivered', { exact: true })
        .waitFor({ timeout: 30_000 });
    }
    await page.getByRole('heading', { name: 'Check history' }).waitFor();
    // uptime over the last day counts the failed checks, and the chart draws the latency
    await page.reload();
    const uptime = page.locator('.sub-figure').first();
    await uptime.getByText(/^\d+(\.\d+)? %$/).waitFor();
    expect(await uptime.innerText()).not.toMatch(/100 %/);
    const chart = page.getByRole('img', { name: /p50/ });
    await chart.locator('canvas').waitFor();
    // one region: the three percentiles, named in the legend
    const legend = await chart.locator('.u-legend').innerText();
    for (const name of ['p50', 'p95', 'p99']) expect(legend).toContain(name);
    await expect(
      page.getByRole('group', { name: 'Percentile of each region' }).count(),
    ).resolves.toBe(0);
    // nor a region column in the check history
    await page.locator('.sub-table tbody tr').first().waitFor();
    await expect(page.getByRole('columnheader', { name: 'Region' }).count()).resolves.toBe(0);
    await screenshot(page, '03-subscription');
    // what the README shows: the top of the page, as a visitor first sees it
    await screenshot(page, '03-subscription-top', false);
    await expectAccessible(page, 'subscription page');
  });

  it('charts one latency line per region for a monitor checked from several', async () => {
    const created = await asOwner('POST', '/v1/subscriptions', {
      name: 'Global API',
      target_type: 'http',
      target_config: { url: stack.targetUrl('/global') },
      tier: 'team',
      check_frequency_seconds: 3600,
      alert_channels: [],
    });
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    // checked from two regions for the last six hours (no checker here is in either: the rows
    // are written as theirs would be), each with a latency of its own
    const db = createDb({ url: stack.database.url, max: 1 });
    try {
      await db
        .updateTable('subscriptions')
        .set({ regions: ['eu-west', 'us-east'] })
        .where('id', '=', id)
        .execute();
      const start = Math.floor(Date.now() / 300_000) * 300_000 - 6 * 3_600_000;
      const rows: CheckRow[] = [];
      for (let t = start; t < Date.now() - 60_000; t += 300_000) {
        for (const [region, ms] of [
          ['eu-west', 40],
          ['us-east', 180],
        ] as const) {
          rows.push({
            time: new Date(t),
            subscription_id: id,
            status: 'up',
            http_status: 200,
            response_time_ms: ms + ((t / 300_000) % 7),
            timings: null,
            error_category: null,
            error_message: null,
            body_excerpt: null,
            schedule_lag_ms: null,
            region,
          });
        }
      }
      await results.insertCheckRows(db, rows);
      // rows behind the rollups' watermark count once a round has recomputed their hours
      await rollups.rollUp(db);
    } finally {
      await db.destroy();
    }

    await page.goto(`${stack.apiUrl}/subscriptions/${id}`);
    await page.getByRole('heading', { name: 'Global API' }).waitFor();
    const chart = page.getByRole('img', { name: /latency of each region/ });
    await chart.locator('canvas').waitFor();
    expect(await chart.getAttribute('aria-label')).toMatch(/eu-west.*us-east/);
    // the legend names each region's line (p95 by default), and the percentile can change
    const legend = chart.locator('.u-legend');
    await legend.getByText('eu-west').waitFor();
    await legend.getByText('us-east').waitFor();
    expect(await legend.innerText()).not.toMatch(/p50|p99/);
    const percentiles = page.getByRole('group', { name: 'Percentile of each region' });
    expect(
      await percentiles.getByRole('button', { name: 'p95' }).getAttribute('aria-pressed'),
    ).toBe('true');
    await percentiles.getByRole('button', { name: 'p99' }).click();
    await page.getByRole('img', { name: /^p99 latency of each region/ }).waitFor();
    // each region's figures are given as text too
    const facts = page.locator('.sub-latency-facts');
    await facts.getByText('eu-west', { exact: true }).waitFor();
    await facts.getByText('us-east', { exact: true }).waitFor();
    // the check history says which region made each check, both of each slot listed
    await page.getByRole('columnheader', { name: 'Region' }).waitFor();
    const newest = page.locator('.sub-table tbody tr').filter({ hasText: /eu-west|us-east/ });
    await newest.nth(1).waitFor();
    const regionsOfNewest = await newest.evaluateAll((rows) =>
      rows.slice(0, 2).map((r) => r.querySelector('td')?.textContent),
    );
    expect(regionsOfNewest.sort()).toEqual(['eu-west', 'us-east']);
    await screenshot(page, '03-subscription-regions');
    await expectAccessible(page, 'subscription page with regions');
    expect((await asOwner('DELETE', `/v1/subscriptions/${id}`)).status).toBe(204);
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
      ...PHONE,
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
        const overflow = await horizontalOverflow(small);
        expect({ page: name, overflow }).toEqual({ page: name, overflow: 0 });
        await screenshot(small, name);
      }
    } finally {
      await phone.context.close();
    }
  });

  it('edits it, sends a test alert, pauses and resumes it', async () => {
    await page.goto(subscriptionUrl);
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit subscription' }).waitFor();
    // the stored values come back into the form, secrets masked
    expect(await page.locator('#target-http-url').inputValue()).toBe(stack.targetUrl(TARGET));
    const secret = await page.locator('[id^="channel-"][id$="-secret"]').inputValue();
    expect(secret).not.toBe(WEBHOOK_SECRET);
    await page.getByLabel('Name').fill(`${NAME} (edited)`);
    await page.getByLabel('Reminder interval (minutes)').fill('30');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: `${NAME} (edited)` }).waitFor();
    const stored = (await asOwner('GET', `/v1/subscriptions/${idOf(subscriptionUrl)}`)).body;
    expect(stored).toMatchObject({ name: `${NAME} (edited)`, reminder_interval_minutes: 30 });
    // an emptied field that can be null is cleared, not left as it was
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Reminder interval (minutes)').fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: `${NAME} (edited)` }).waitFor();
    await stack.until('the reminder to be cleared', async () => {
      const after = (await asOwner('GET', `/v1/subscriptions/${idOf(subscriptionUrl)}`)).body;
      return after.reminder_interval_minutes === null ? true : undefined;
    });

    // the masked secret sent back kept the stored one: the test message is signed with it
    const before = stack.calls.length;
    await page.getByRole('button', { name: 'Send test alert' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Test alert sent' })
      .getByText(/^Webhook: ok$/)
      .waitFor();
    await stack.until('the test alert', () =>
      Promise.resolve(stack.calls.slice(before).find((c) => c.path === '/hooks/dashboard')),
    );
    const test = stack.calls.slice(before).find((c) => c.path === '/hooks/dashboard');
    expect(test && signedWithSecret(test)).toBe(true);

    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    expect((await asOwner('GET', `/v1/subscriptions/${idOf(subscriptionUrl)}`)).body.status).toBe(
      'paused',
    );
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
    expect((await asOwner('GET', `/v1/subscriptions/${idOf(subscriptionUrl)}`)).body.status).toBe(
      'active',
    );
    // later steps look for the original name
    await asOwner('PATCH', `/v1/subscriptions/${idOf(subscriptionUrl)}`, { name: NAME });
  });

  it('creates every check type through its generated form, and deletes one', async () => {
    const created: Record<string, string> = {};
    for (const [type, fields] of Object.entries(EVERY_TYPE)) {
      await page.goto(`${stack.apiUrl}/subscriptions/new`);
      await page.getByRole('heading', { name: 'New subscription' }).waitFor();
      await page.getByLabel('Name').fill(`Every type: ${type}`);
      await page.getByLabel('Tier').selectOption('team');
      await page.getByLabel('Check type').selectOption(type);
      await page.getByLabel('Check frequency (seconds)').fill('3600');
      for (const [field, value] of Object.entries(fields)) {
        const input = page.locator(`#target-${type}-${field}`);
        if ((await input.evaluate((el) => el.tagName)) === 'SELECT')
          await input.selectOption(value);
        else await input.fill(value);
      }
      if (type === 'http') await addEveryChannel();
      await page.getByRole('button', { name: 'Create subscription' }).click();
      if (type === 'heartbeat') {
        // the push URL is shown once, then the subscription's page
        await page.getByText(/\/v1\/push\//).waitFor();
        await page.getByRole('link', { name: 'Go to the subscription' }).click();
      }
      await page.waitForURL(/\/subscriptions\/[0-9a-f-]{36}$/);
      created[type] = idOf(page.url());
    }
    for (const [type, id] of Object.entries(created)) {
      const body = (await asOwner('GET', `/v1/subscriptions/${id}`)).body;
      expect({ type, target_type: body.target_type }).toEqual({ type, target_type: type });
    }

    // every channel type's generated fields reached the API as it expects them
    const channels = (await asOwner('GET', `/v1/subscriptions/${created.http}`)).body
      .alert_channels as { type: string; config: Record<string, unknown> }[];
    expect(channels.map((c) => c.type)).toEqual(['discord', 'slack', 'telegram', 'email']);
    expect(channels[2]?.config.chat_id).toBe(-100123456);
    expect(channels[3]?.config.to).toEqual(['ops@example.com', 'team@example.com']);

    await page.goto(`${stack.apiUrl}/subscriptions/${created.dns}`);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('button', { name: /delete/i })
      .last()
      .click();
    await page.waitForURL(`${stack.apiUrl}/`);
    expect((await asOwner('GET', `/v1/subscriptions/${created.dns}`)).status).toBe(404);
  });

  it('offers regions to choose only where there are several, and creates one checked from two', async () => {
    // one live region, this stack's checker's: nothing to choose, the form is as it was
    expect((await asOwner('GET', '/v1/regions')).body.items).toHaveLength(1);
    await page.goto(`${stack.apiUrl}/subscriptions/new`);
    await page.getByLabel('Check type').waitFor();
    expect(await page.getByRole('group', { name: 'Regions' }).count()).toBe(0);
    expect(await page.getByLabel('Regions that must agree').count()).toBe(0);

    // a checker in eu-west too (its heartbeat written as a checker's would be)
    const db = createDb({ url: stack.database.url, max: 1 });
    const euWestBeats = () =>
      checkers.beat(db, {
        name: 'checker-eu-west',
        host: 'eu-west.example',
        version: 'test',
        region: 'eu-west',
        startedAt: new Date(),
        checksTotal: 0,
        errorsTotal: 0,
        checksPerSecond: 0,
        heartbeatMs: 60_000,
      });
    try {
      await euWestBeats();
      await page.reload();
      const regions = page.getByRole('group', { name: 'Regions' });
      await page.getByLabel('Name').fill('Two regions');
      await page.getByLabel('Tier').selectOption('team');
      await page.getByLabel('Check type').selectOption('http');
      await page.locator('#target-http-url').fill(stack.targetUrl('/two-regions'));
      await page.getByLabel('Check frequency (seconds)').fill('3600');
      await regions.getByRole('checkbox', { name: 'eu-west' }).check();
      await regions.getByRole('checkbox', { name: 'local (default)' }).check();
      await regions.getByLabel('Regions that must agree').selectOption('all');
      // eu-west goes dark before the form is sent: the API's refusal is shown by the regions
      await db
        .updateTable('checkers')
        .set({ last_seen_at: new Date(Date.now() - 3_600_000) })
        .where('name', '=', 'checker-eu-west')
        .execute();
      await page.getByRole('button', { name: 'Create subscription' }).click();
      await regions
        .locator('.field-error')
        .getByText(/no live checker in "eu-west"/)
        .waitFor();
      await screenshot(page, '02b-new-subscription-regions');
      await expectAccessible(page, 'subscription form with regions');
      await euWestBeats();
      await page.getByRole('button', { name: 'Create subscription' }).click();
      await page.waitForURL(/\/subscriptions\/[0-9a-f-]{36}$/);
      const id = idOf(page.url());
      expect((await asOwner('GET', `/v1/subscriptions/${id}`)).body).toMatchObject({
        regions: ['eu-west', 'local'],
        quorum: 'all',
      });

      // edited: both come back ticked; none ticked is the default region
      await page.goto(`${stack.apiUrl}/subscriptions/${id}/edit`);
      await regions.getByRole('checkbox', { name: 'eu-west' }).uncheck();
      expect(await regions.getByLabel('Regions that must agree').inputValue()).toBe('all');
      await regions.getByRole('checkbox', { name: 'local (default)' }).uncheck();
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('heading', { name: 'Two regions' }).waitFor();
      expect((await asOwner('GET', `/v1/subscriptions/${id}`)).body).toMatchObject({
        regions: ['local'],
        quorum: 'all',
      });
      expect((await asOwner('DELETE', `/v1/subscriptions/${id}`)).status).toBe(204);
    } finally {
      await db.deleteFrom('checkers').where('name', '=', 'checker-eu-west').execute();
      await db.destroy();
    }
  });

  it('can be used from the keyboard alone', async () => {
    await page.goto(`${stack.apiUrl}/`);
    await page.getByRole('heading', { name: 'Subscriptions' }).waitFor();
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement;
        return { id: el?.id ?? '', text: (el?.textContent ?? '').trim() };
      });
    // the first Tab reaches the skip link, which moves focus past the navigation
    await page.keyboard.press('Tab');
    expect((await focused()).text).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect((await focused()).id).toBe('main');
    for (let i = 0; i < 10 && (await focused()).text !== 'New subscription'; i++) {
      await page.keyboard.press('Tab');
    }
    expect((await focused()).text).toBe('New subscription');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'New subscription' }).waitFor();
  });

  it('signs out: the token is forgotten and revoked', async () => {
    const session = await page.evaluate(() => sessionStorage.getItem('lighthouse.session'));
    const { token } = JSON.parse(session ?? '{}') as { token?: string };
    expect(token).toEqual(expect.any(String));
    const asPage = () =>
      fetch(`${stack.apiUrl}/v1/subscriptions`, { headers: { Authorization: `Bearer ${token}` } });
    expect((await asPage()).status).toBe(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await stack.until('the token to be revoked', async () =>
      (await asPage()).status === 401 ? true : undefined,
    );
  });
});

/** Adds one channel of each type but webhook to the form, through their generated fields. */
async function addEveryChannel(): Promise<void> {
  const fill: [string, Record<string, string>][] = [
    ['discord', { 'Webhook URL': `${stack.peerUrl}/discord/hook` }],
    ['slack', { 'Webhook URL': `${stack.peerUrl}/slack/hook` }],
    ['telegram', { 'Bot token': '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'Chat ID': '-100123456' }],
    ['email', { To: 'ops@example.com\nteam@example.com' }],
  ];
  for (const [index, [type, fields]] of fill.entries()) {
    await page.getByRole('button', { name: 'Add a channel' }).click();
    const channel = page.locator('fieldset.channel').nth(index);
    await channel.getByLabel('Channel type').selectOption(type);
    for (const [label, value] of Object.entries(fields)) {
      // a required field's label ends in " *"
      await channel.getByLabel(new RegExp(`^${label}( \\*)?$`)).fill(value);
    }
  }
}

/** Minimal target fields for each check type (the rest keep the form's defaults). */
const EVERY_TYPE: Record<string, Record<string, string>> = {
  http: { url: 'http://127.0.0.1:9/health' },
  tcp: { host: '127.0.0.1', port: '9' },
  dns: { hostname: 'example.com' },
  tls: { host: 'example.com' },
  websocket: { url: 'ws://127.0.0.1:9/' },
  evm_balance: { rpc_url: 'http://127.0.0.1:9/', address: `0x${'1'.repeat(40)}`, min_balance: '1' },
  evm_contract: {
    rpc_url: 'http://127.0.0.1:9/',
    address: `0x${'2'.repeat(40)}`,
    function: 'function totalSupply() view returns (uint256)',
    compare: '{"operator": "gt", "value": "0"}',
  },
  evm_rpc: { rpc_url: 'http://127.0.0.1:9/', chain_id: '1' },
  heartbeat: {},
  canary: { steps: '[{"name": "home", "url": "http://127.0.0.1:9/"}]' },
  x402: { url: 'http://127.0.0.1:9/weather', max_price: '0.01' },
};

const idOf = (url: string) => url.split('/').at(-1) ?? '';

/** The webhook's signature checks out with the secret the subscription was created with. */
const signedWithSecret = (call: Call) =>
  call.headers['x-lighthouse-signature'] ===
  `sha256=${createHmac('sha256', WEBHOOK_SECRET)
    .update(`${String(call.headers['x-lighthouse-timestamp'])}.${call.raw}`)
    .digest('hex')}`;

/** The subscription page's state badge reads `state` (the page refreshes it on its own). */
async function stateIs(state: string): Promise<void> {
  await page
    .locator('.sub-header [role="status"]', { hasText: new RegExp(`^State: ${state}$`) })
    .waitFor({ timeout: 60_000 });
}
