import { checkers, createDb } from '@lighthouse/db';
import { randomWallet, signInOverHttp } from '@lighthouse/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { Stack } from '../e2e/alerting-stack';
import {
  expectAccessible,
  horizontalOverflow,
  launchBrowser,
  PHONE,
  screenshot,
  startDashboardStack,
  walletContext,
} from './harness';

// The operator console in a real browser against the real services (service mode), as a wallet
// listed in LIGHTHOUSE_ADMIN_WALLETS: the instance's health and the checker fleet, another
// wallet's subscription found, paused, transferred and deleted, a pending payment discarded,
// the regions with a dark one marked.
// After each change the API (or the database) is asked, not only the page. A wallet that is
// not an operator sees no Console and gets no data. Each view is checked with axe.

jest.setTimeout(120_000);

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let pg: Client;
const admin = randomWallet();
/** the customer whose subscription the operator acts on */
const customer = randomWallet();
/** where the subscription is transferred to */
const heir = randomWallet().address.toLowerCase();
const NAME = `Customer shop ${randomUUID().slice(0, 8)}`;
/** the customer's other subscription, which stays: a long row for the phone */
const LONG_NAME = 'A subscription with a rather long name to wrap on a phone';
let adminToken = '';
let customerToken = '';
let subscriptionId = '';

/** A request to the API with a bearer token. */
async function api(
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

const itemsOf = (answer: { body: Record<string, unknown> }) =>
  answer.body.items as Record<string, unknown>[];

/** Signs `p` in with its injected wallet, and waits until the account is known. */
async function signIn(p: Page): Promise<void> {
  await p.goto(`${stack.apiUrl}/`);
  const account = p.waitForResponse((r) => r.url().endsWith('/v1/account') && r.ok());
  await p.getByRole('button', { name: 'Sign in with wallet' }).click();
  await p.getByRole('heading', { name: 'Subscriptions' }).waitFor();
  await account;
}

/** Waits until `target` has the focus (a panel moves it when it opens). */
async function focusOn(target: Locator, what: string): Promise<void> {
  await stack.until(
    `the focus on ${what}`,
    async () => ((await target.evaluate((el) => el === document.activeElement)) ? true : undefined),
    5_000,
  );
}

const consoleNav = () => page.getByRole('navigation', { name: 'Console' });
const row = (text: string) => page.getByRole('row').filter({ hasText: text });
/** the subscription's own row (an action's panel opens in a row below it) */
const subscriptionRow = () => page.locator(`tr[data-subscription="${subscriptionId}"]`);

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startDashboardStack({
      api: { LIGHTHOUSE_ADMIN_WALLETS: admin.address },
      // the fleet view shows a checker once it has written a heartbeat
      checker: { CHECKER_HEARTBEAT_MS: '500' },
    }),
    launchBrowser(),
  ]);
  const domain = new URL(stack.apiUrl).host;
  [adminToken, customerToken] = await Promise.all([
    signInOverHttp(stack.apiUrl, domain, admin),
    signInOverHttp(stack.apiUrl, domain, customer),
  ]);
  const created = await api(customerToken, 'POST', '/v1/subscriptions', {
    name: NAME,
    target_type: 'http',
    target_config: { url: stack.targetUrl('/shop') },
    tier: 'team',
    check_frequency_seconds: 5,
    alert_channels: [],
  });
  if (created.status !== 201) throw new Error(`not created: ${JSON.stringify(created.body)}`);
  subscriptionId = created.body.id as string;
  const other = await api(customerToken, 'POST', '/v1/subscriptions', {
    name: LONG_NAME,
    target_type: 'http',
    target_config: { url: stack.targetUrl(`/a/very/long/path/${'segment/'.repeat(8)}`) },
    tier: 'team',
    check_frequency_seconds: 60,
    alert_channels: [],
  });
  if (other.status !== 201) throw new Error(`not created: ${JSON.stringify(other.body)}`);
  pg = new Client({ connectionString: stack.database.url });
  await pg.connect();
  ({ context } = await walletContext(browser, admin));
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
}, 90_000);

afterAll(async () => {
  await pg?.end();
  await browser?.close();
  await stack?.stop();
});

describe('the operator console', () => {
  it("shows an operator the instance's health, queues and checker fleet", async () => {
    // the checker has written a heartbeat: the fleet has a live member to show
    await stack.until('a live checker', async () =>
      itemsOf(await api(adminToken, 'GET', '/v1/admin/checkers')).some((c) => c.live === true)
        ? true
        : undefined,
    );
    await signIn(page);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Console' })
      .click();
    await page.getByRole('heading', { name: 'Console' }).waitFor();
    expect(
      await consoleNav().getByRole('link', { name: 'Overview' }).getAttribute('aria-current'),
    ).toBe('page');

    const instance = page.getByRole('region', { name: 'Instance' });
    await instance.getByText('ok', { exact: true }).waitFor();
    expect(await instance.getByText('connected', { exact: true }).count()).toBe(2);
    await instance.getByText('service', { exact: true }).waitFor();

    const fleet = page.getByRole('region', { name: 'Checkers' });
    await fleet.getByRole('row').filter({ hasText: 'Live' }).first().waitFor();
    await page
      .getByRole('region', { name: 'Queues' })
      .getByRole('rowheader', { name: 'checks' })
      .waitFor();
    const bullBoard = page.getByRole('link', { name: /Open Bull Board/ });
    expect(await bullBoard.getAttribute('href')).toBe('/admin/queues');
    expect(await bullBoard.getAttribute('target')).toBe('_blank');
    // the counts are the API's
    const overview = (await api(adminToken, 'GET', '/v1/admin/overview')).body;
    expect(overview).toMatchObject({ health: { status: 'ok' }, subscriptions: { total: 2 } });
    // how check_history is stored, and TimescaleDB's background jobs where there are any
    if ((overview.storage as { engine: string }).engine === 'timescaledb') {
      await instance.getByRole('table', { name: 'TimescaleDB jobs' }).waitFor();
    } else {
      await instance.getByText('PostgreSQL', { exact: true }).waitFor();
      await instance.getByText(/plain PostgreSQL: no background jobs/).waitFor();
    }
    const counts = page.getByRole('region', { name: 'Subscriptions' });
    expect(await counts.locator('.console-figure', { hasText: 'Total' }).innerText()).toMatch(/2$/);
    await screenshot(page, 'console-01-overview');
    await expectAccessible(page, 'console overview');
  });

  it("lists TimescaleDB's jobs, marking one whose last run failed", async () => {
    // This stack's PostgreSQL may be plain, with no jobs to list: the API's answer gets the
    // storage a TimescaleDB reports (its reading of job_stats is tested on the PGlite build,
    // packages/db/test/storage.test.ts); everything else in it stays the API's own.
    const jobs = [
      {
        job_id: 1000,
        proc_name: 'policy_compression',
        hypertable: 'public.check_history',
        last_run_status: 'failed',
        job_status: 'Scheduled',
        last_run_started_at: new Date(Date.now() - 3_600_000).toISOString(),
        last_successful_finish: null,
        next_start: new Date(Date.now() + 11 * 3_600_000).toISOString(),
        total_runs: 4,
        total_failures: 4,
        consecutive_failures: 4,
      },
      {
        job_id: 3,
        proc_name: 'policy_job_stat_history_retention',
        hypertable: null,
        last_run_status: null,
        job_status: 'Scheduled',
        last_run_started_at: null,
        last_successful_finish: null,
        next_start: null,
        total_runs: 0,
        total_failures: 0,
        consecutive_failures: null,
      },
    ];
    await page.route('**/v1/admin/overview', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as Record<string, unknown>;
      await route.fulfill({
        response,
        json: { ...body, storage: { engine: 'timescaledb', timescaledb_version: '2.29.2', jobs } },
      });
    });
    try {
      await page.reload();
      const instance = page.getByRole('region', { name: 'Instance' });
      await instance.getByText('TimescaleDB 2.29.2', { exact: true }).waitFor();
      const table = instance.getByRole('table', { name: 'TimescaleDB jobs' });
      const failed = table.getByRole('row').filter({ hasText: 'policy_compression' });
      await failed.getByText('Failed', { exact: true }).waitFor();
      expect(await failed.getByRole('cell').allInnerTexts()).toEqual([
        'public.check_history',
        expect.stringMatching(/^Failed\s+started 1 h ago$/),
        expect.stringMatching(/\d/),
        expect.stringMatching(/^4\s+4 in a row$/),
      ]);
      const idle = table.getByRole('row').filter({ hasText: 'policy_job_stat_history_retention' });
      expect(await idle.getByRole('cell').allInnerTexts()).toEqual([
        '—',
        'Not run yet',
        'not scheduled',
        '0',
      ]);
      await instance.getByText(/A TimescaleDB job failed its last run/).waitFor();
      await screenshot(page, 'console-01b-timescale-jobs');
      await expectAccessible(page, 'console overview with TimescaleDB jobs');
    } finally {
      await page.unroute('**/v1/admin/overview');
    }
  });

  it('lists the regions, marking a dark one in words and warning of it at the top', async () => {
    // two more regions' checkers: eu-west beating now, eu-north last heard from an hour ago
    // while a subscription is checked from it
    const db = createDb({ url: stack.database.url, max: 1 });
    try {
      for (const region of ['eu-west', 'eu-north']) {
        await checkers.beat(db, {
          name: `checker-${region}`,
          host: `${region}.example`,
          version: 'test',
          region,
          startedAt: new Date(),
          checksTotal: 0,
          errorsTotal: 0,
          checksPerSecond: 1.5,
          heartbeatMs: 60_000,
        });
      }
    } finally {
      await db.destroy();
    }
    await pg.query(
      `UPDATE checkers SET last_seen_at = now() - interval '1 hour' WHERE name = 'checker-eu-north'`,
    );
    await pg.query(`UPDATE subscriptions SET regions = ARRAY['eu-north'] WHERE name = $1`, [
      LONG_NAME,
    ]);
    try {
      const answer = itemsOf(await api(adminToken, 'GET', '/v1/admin/regions'));
      expect(answer).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ region: 'eu-north', dark: true, subscriptions: 1 }),
          expect.objectContaining({ region: 'eu-west', dark: false, live_checkers: 1 }),
        ]),
      );
      const byDefault = answer.find((r) => r.default === true)?.region as string;

      await page.reload();
      const regions = page.getByRole('region', { name: 'Regions', exact: true });
      const cells = (region: string) =>
        regions.locator(`tr[data-region="${region}"]`).getByRole('cell').allInnerTexts();
      await regions.locator('tr[data-region="eu-north"]').waitFor();
      expect(await cells('eu-north')).toEqual([
        expect.stringMatching(/^Dark\s+no checker heard from: its slots are missing, never down$/),
        '0 / 1',
        '0.0',
        '1',
        '1 h ago',
      ]);
      expect(await cells('eu-west')).toEqual([
        'Live',
        '1 / 1',
        '1.5',
        '0',
        expect.stringMatching(/ s ago$/),
      ]);
      // the default region (this stack's own checker's) is marked as such
      expect(
        await regions.locator(`tr[data-region="${byDefault}"]`).getByRole('rowheader').innerText(),
      ).toMatch(new RegExp(`^${byDefault}\\s+default$`));
      expect(await regions.getByText('Dark', { exact: true }).count()).toBe(1);
      // said before anything else on the overview
      const warning = page.locator('.console-view > p.console-bad').first();
      expect(await warning.innerText()).toMatch(
        /^Region eu-north is dark: no checker heard from, so its slots are missing, never down\./,
      );
      expect(
        await warning.evaluate((el) => {
          const instance = document.getElementById('console-instance');
          return Boolean(instance && el.compareDocumentPosition(instance) & 4); // following
        }),
      ).toBe(true);
      await screenshot(page, 'console-01c-regions');
      await expectAccessible(page, 'console overview with regions');
    } finally {
      await pg.query(`UPDATE subscriptions SET regions = NULL WHERE name = $1`, [LONG_NAME]);
      await pg.query(`DELETE FROM checkers WHERE name IN ('checker-eu-west', 'checker-eu-north')`);
    }
  });

  it("finds another wallet's subscription by search and pauses it", async () => {
    await consoleNav().getByRole('link', { name: 'Subscriptions' }).click();
    await page.getByRole('heading', { name: 'Subscriptions', exact: true }).waitFor();
    await page.getByLabel('Search').fill('no such subscription');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByText('No subscription matches these filters.').waitFor();
    await page.getByLabel('Search').fill(NAME.slice(-8));
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    expect(page.url()).toContain(`q=${NAME.slice(-8)}`);
    await row(NAME).waitFor();
    const item = subscriptionRow();
    expect(await item.getByRole('link', { name: /^0x/ }).getAttribute('title')).toContain(
      customer.address.toLowerCase(),
    );
    await screenshot(page, 'console-02-subscriptions');
    await expectAccessible(page, 'console subscriptions');

    await item.getByRole('button', { name: `Pause ${NAME}` }).click();
    await item.getByRole('button', { name: `Resume ${NAME}` }).waitFor();
    await item.getByText('paused', { exact: true }).waitFor();
    // its owner sees it paused
    const owned = await api(customerToken, 'GET', `/v1/subscriptions/${subscriptionId}`);
    expect(owned.body.status).toBe('paused');
  });

  it("transfers it to another wallet, showing the API's refusal of a bad address by the field", async () => {
    const item = subscriptionRow();
    await item.getByRole('button', { name: `Transfer ${NAME}` }).click();
    const input = page.getByLabel("New owner's wallet address");
    // the form takes the focus
    await focusOn(input, 'the address field');
    await input.fill('0x1234');
    await page.getByRole('button', { name: 'Transfer', exact: true }).click();
    const error = page.locator(`#console-transfer-${subscriptionId}-error`);
    await error.waitFor();
    expect(await error.innerText()).toMatch(/wallet address/);
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    expect(await input.getAttribute('aria-describedby')).toContain(
      `console-transfer-${subscriptionId}-error`,
    );
    await screenshot(page, 'console-03-transfer-refused');
    await expectAccessible(page, 'console transfer form');
    // nothing moved
    expect((await api(customerToken, 'GET', `/v1/subscriptions/${subscriptionId}`)).status).toBe(
      200,
    );

    await input.fill(heir);
    await page.getByRole('button', { name: 'Transfer', exact: true }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Transferred “${NAME}” to ${heir}.` })
      .waitFor();
    // the API lists it under its new owner, and the old one no longer has it
    const underHeir = await api(adminToken, 'GET', `/v1/admin/subscriptions?owner=${heir}`);
    expect(itemsOf(underHeir).map((s) => [s.id, s.user_address])).toEqual([[subscriptionId, heir]]);
    expect((await api(customerToken, 'GET', `/v1/subscriptions/${subscriptionId}`)).status).toBe(
      404,
    );
    // the row, refreshed, names the new owner, whose link filters the list by owner
    await item.getByRole('link', { name: `${heir.slice(0, 6)}…${heir.slice(-4)}` }).click();
    await page.waitForURL(/owner=0x/);
    expect(new URL(page.url()).searchParams.get('owner')).toBe(heir);
    expect(await page.getByLabel('Owner').inputValue()).toBe(heir);
    await item.waitFor();
  });

  it('deletes it after asking', async () => {
    const item = subscriptionRow();
    await item.getByRole('button', { name: `Delete ${NAME}` }).click();
    const question = page.getByRole('group', { name: /^Delete “/ });
    await question.waitFor();
    // the question takes the focus; Cancel gives it back to Delete and deletes nothing
    await focusOn(question.getByRole('button', { name: 'Cancel' }), 'Cancel');
    await question.getByRole('button', { name: 'Cancel' }).click();
    await focusOn(item.getByRole('button', { name: `Delete ${NAME}` }), 'Delete');
    expect(
      itemsOf(await api(adminToken, 'GET', `/v1/admin/subscriptions?owner=${heir}`)),
    ).toHaveLength(1);

    await item.getByRole('button', { name: `Delete ${NAME}` }).click();
    await question.getByRole('button', { name: 'Yes, delete it' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Deleted “${NAME}”.` })
      .waitFor();
    await page.getByText('No subscription matches these filters.').waitFor();
    expect(
      itemsOf(
        await api(adminToken, 'GET', `/v1/admin/subscriptions?q=${encodeURIComponent(NAME)}`),
      ),
    ).toEqual([]);
    const stored = await pg.query<{ deleted: boolean }>(
      'SELECT deleted_at IS NOT NULL AS deleted FROM subscriptions WHERE id = $1',
      [subscriptionId],
    );
    expect(stored.rows).toEqual([{ deleted: true }]);
  });

  it('lists the users page by page, and finds one with their counts', async () => {
    // more accounts than a page holds, all created in the same instant
    await pg.query(
      `INSERT INTO users (wallet_address)
       SELECT '0x' || lpad(to_hex(n), 40, 'e') FROM generate_series(1, 30) AS n`,
    );
    const { rows } = await pg.query<{ n: string }>('SELECT count(*) AS n FROM users');
    await consoleNav().getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users', exact: true }).waitFor();
    const pager = page.getByRole('navigation', { name: 'Pages' });
    await pager.getByText('Page 1').waitFor();
    const shown = () =>
      page
        .locator('tr[data-user]')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-user')));
    const first = await shown();
    expect(first).toHaveLength(25);
    await pager.getByRole('button', { name: 'Next page' }).click();
    await pager.getByText('Page 2').waitFor();
    await stack.until('the second page', async () =>
      (await shown())[0] !== first[0] ? true : undefined,
    );
    const second = await shown();
    // every account once, none twice
    expect(new Set([...first, ...second]).size).toBe(Number(rows[0]!.n));
    expect(await pager.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await pager.getByRole('button', { name: 'Previous page' }).click();
    await pager.getByText('Page 1').waitFor();
    await stack.until('the first page again', async () =>
      (await shown())[0] === first[0] ? true : undefined,
    );

    await page.getByLabel('Search').fill(customer.address.slice(2, 12).toLowerCase());
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    // the header and the customer's row, once the search has answered
    await stack.until('the search to answer', async () =>
      (await page.getByRole('row').count()) === 2 ? true : undefined,
    );
    const user = row(customer.address.toLowerCase());
    await user.getByRole('rowheader', { name: customer.address.toLowerCase() }).waitFor();
    // the counts are the API's: one subscription left (the other was transferred), active
    const [listed] = itemsOf(
      await api(adminToken, 'GET', `/v1/admin/users?q=${customer.address.toLowerCase()}`),
    );
    expect(listed).toMatchObject({ subscriptions: 1, active_subscriptions: 1, payments: 0 });
    await user.getByText('1 active').waitFor();
    await screenshot(page, 'console-04-users');
    await expectAccessible(page, 'console users');
    // its count links to its subscriptions
    await user.getByRole('link', { name: /^1 subscription of 0x/ }).click();
    await page.waitForURL(/\/console\/subscriptions\?owner=0x/);
    await row(LONG_NAME).waitFor();
    expect(await page.getByRole('row').count()).toBe(2);
  });

  it('discards a payment left pending, after asking', async () => {
    const paymentId = await pendingPayment(customer.address.toLowerCase());
    expect((await api(adminToken, 'GET', '/v1/admin/overview')).body.pending_payments).toBe(1);
    // the overview counts it, and links to the pending ones
    await consoleNav().getByRole('link', { name: 'Overview' }).click();
    const counted = page.getByRole('region', { name: 'Payments' });
    await counted.getByText('1 payment pending').waitFor();
    await counted.getByRole('link', { name: 'Pending payments' }).click();
    await page.getByRole('heading', { name: 'Payments', exact: true }).waitFor();
    expect(page.url()).toMatch(/\/console\/payments\?status=pending$/);
    expect(await page.getByLabel('Status').inputValue()).toBe('pending');
    const payment = page.locator(`tr[data-payment="${paymentId}"]`);
    await payment.getByText('20 USDC', { exact: true }).waitFor();
    await payment.getByText('Pending', { exact: true }).waitFor();

    await payment.getByRole('button', { name: /^Discard/ }).click();
    await page.getByRole('group', { name: /^Discard the pending payment/ }).waitFor();
    await screenshot(page, 'console-05-payments');
    await expectAccessible(page, 'console payments');
    await page.getByRole('button', { name: 'Yes, discard it' }).click();
    await page.getByRole('status').filter({ hasText: 'Discarded the pending payment' }).waitFor();
    await page.getByText('No payment is pending.').waitFor();
    // its authorization is free again: the row is gone
    expect(
      itemsOf(await api(adminToken, 'GET', '/v1/admin/payments?status=pending')).map((p) => p.id),
    ).not.toContain(paymentId);
    expect((await api(adminToken, 'GET', '/v1/admin/overview')).body.pending_payments).toBe(0);
    expect((await pg.query('SELECT 1 FROM payments WHERE id = $1', [paymentId])).rowCount).toBe(0);
  });

  it('fits a phone screen', async () => {
    const phone = await walletContext(browser, admin, { ...PHONE });
    const small = await phone.context.newPage();
    small.setDefaultTimeout(20_000);
    try {
      await signIn(small);
      for (const [name, path, ready] of [
        [
          'console-06-phone-subscriptions',
          '/console/subscriptions',
          small.getByRole('row').filter({ hasText: LONG_NAME }),
        ],
        ['console-07-phone-overview', '/console', small.getByText('Live', { exact: true })],
      ] as const) {
        await small.goto(`${stack.apiUrl}${path}`);
        await ready.first().waitFor();
        const overflow = await horizontalOverflow(small);
        expect({ page: name, overflow }).toEqual({ page: name, overflow: 0 });
        await screenshot(small, name);
      }
      // an opened transfer form stays within the screen too
      await small.goto(`${stack.apiUrl}/console/subscriptions`);
      await small.getByRole('button', { name: /^Transfer/ }).click();
      await small.getByLabel("New owner's wallet address").waitFor();
      expect(await horizontalOverflow(small)).toBe(0);
    } finally {
      await phone.context.close();
    }
  });

  it('is not offered to a wallet that is not an operator, and shows it no data', async () => {
    const stranger = await walletContext(browser, randomWallet());
    const other = await stranger.context.newPage();
    other.setDefaultTimeout(20_000);
    try {
      await signIn(other);
      const refused = other.waitForResponse((r) => r.url().endsWith('/v1/admin/overview'));
      const account = other.waitForResponse((r) => r.url().endsWith('/v1/account'));
      await other.goto(`${stack.apiUrl}/console`);
      expect((await refused).status()).toBe(404);
      expect(await (await account).json()).toMatchObject({ operator: false });
      await other
        .getByRole('alert')
        .getByText(/not one \(the API answered 404\)/)
        .waitFor();
      expect(await other.getByRole('region', { name: 'Instance' }).count()).toBe(0);
      // the account is known by now, and the navigation offers no Console
      const nav = other.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Subscriptions' }).waitFor();
      expect(await nav.getByRole('link', { name: 'Console' }).count()).toBe(0);

      await other.goto(`${stack.apiUrl}/console/subscriptions`);
      await other
        .getByRole('alert')
        .getByText(/the API answered 404/)
        .waitFor();
      expect(await other.getByRole('table').count()).toBe(0);
      await screenshot(other, 'console-08-not-an-operator');
    } finally {
      await stranger.context.close();
    }
  });
});

/** A payment of `address`'s left pending (its settlement never came back); its id. */
async function pendingPayment(address: string): Promise<string> {
  const { rows } = await pg.query<{ id: string }>(
    `INSERT INTO payments (user_address, tier, network, asset, pay_to, payer, amount_atomic,
       amount_usdc, nonce, settled_via, period_days, status)
     VALUES ($1, 'pro', 'eip155:31337', $2, $3, $1, 20000000, 20, $4, 'relayer', 30, 'pending')
     RETURNING id`,
    [address, `0x${'1'.repeat(40)}`, `0x${'2'.repeat(40)}`, `0x${randomUUID().replace(/-/g, '')}`],
  );
  return rows[0]!.id;
}
