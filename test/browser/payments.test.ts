import {
  deployTestUsdc,
  randomWallet,
  startEvmNode,
  type EvmNode,
  type TestUsdc,
} from '@lighthouse/testing';
import { Wallet } from 'ethers';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Stack } from '../e2e/alerting-stack';
import {
  launchBrowser,
  screenshot,
  startDashboardStack,
  walletContext,
  type TestWallet,
  expectAccessible,
  PHONE,
  horizontalOverflow,
} from './harness';

// Paying for a paid tier in the dashboard: the API answers 402 with x402 terms, the dashboard
// shows them in words, the injected wallet signs an EIP-3009 authorization (after switching to
// the payment's chain), and the API's relayer settles it on a local hardhat node holding an
// EIP-3009 test USDC. Then a renewal from the subscription page, a refusal for want of funds,
// and the payments and tiers listed.

jest.setTimeout(240_000);

const USDC = 1_000_000n;
const PRICE = 20n * USDC; // the test tiers' pro tier
const NAME = 'Paid checkout';

let node: EvmNode;
let usdc: TestUsdc;
let payTo: string;
let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let testWallet: TestWallet;
let page: Page;
const wallet = randomWallet();

beforeAll(async () => {
  node = await startEvmNode({ chainId: 43113 });
  usdc = await deployTestUsdc(node, { deployerKey: node.accounts[0]! });
  payTo = new Wallet(node.accounts[1]!).address;
  // two periods' worth: the third payment is refused for want of funds
  await usdc.mint(wallet.address, 2n * PRICE);
  [stack, browser] = await Promise.all([
    startDashboardStack({
      api: {
        X402_PAY_TO: payTo,
        X402_NETWORK: 'eip155:43113',
        X402_ASSET: usdc.address,
        X402_RELAYER_PRIVATE_KEY: node.accounts[2]!,
        X402_RPC_URL: node.url,
        X402_SETTLE_TIMEOUT_MS: '20000',
      },
    }),
    launchBrowser(),
  ]);
  // the wallet starts on Ethereum mainnet: paying must switch it to the payment's chain
  ({ context, testWallet } = await walletContext(browser, wallet, { chainId: 1n }));
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await node?.stop();
});

const terms = () => page.getByRole('dialog', { name: 'Payment required' });
const renewal = () => page.getByRole('region', { name: 'Paid period' });

describe('paying for a paid tier in the dashboard', () => {
  it('signs in', async () => {
    await page.goto(`${stack.apiUrl}/`);
    await page.getByRole('button', { name: 'Sign in with wallet' }).click();
    await page.getByRole('heading', { name: 'Subscriptions' }).waitFor();
  });

  it('shows the x402 terms of a Pro subscription, and creates it once signed and paid', async () => {
    await page.goto(`${stack.apiUrl}/subscriptions/new`);
    await page.getByRole('heading', { name: 'New subscription' }).waitFor();
    await page.getByLabel('Name').fill(NAME);
    await page.getByLabel('Check type').selectOption('http');
    await page.locator('#target-http-url').fill(stack.targetUrl('/paid'));
    await page.getByLabel('Tier').selectOption('pro');
    await page.getByRole('button', { name: 'Create subscription' }).click();

    const dialog = terms();
    await dialog.getByRole('button', { name: 'Sign and pay' }).waitFor();
    const text = await dialog.innerText();
    for (const shown of [
      '20 USDC',
      '20000000 base units',
      usdc.address,
      'Avalanche Fuji testnet (chain id 43113)',
      payTo,
      'A new subscription on the pro tier for 30 days',
      '/v1/subscriptions',
      '5 minutes after you sign',
    ]) {
      expect(text).toContain(shown);
    }
    // the terms take the focus, so a keyboard or screen reader user lands on them
    expect(await dialog.evaluate((el) => el === document.activeElement)).toBe(true);
    // asking is free: nothing has moved, and the wallet was not asked to sign
    expect(await usdc.balanceOf(wallet.address)).toBe(2n * PRICE);
    expect(testWallet.calls).not.toContain('eth_signTypedData_v4');
    await screenshot(page, 'payments-01-terms');
    await expectAccessible(page, 'payment terms');

    await dialog.getByRole('button', { name: 'Sign and pay' }).click();
    await page.waitForURL(/\/subscriptions\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: NAME }).waitFor();
    expect(await usdc.balanceOf(wallet.address)).toBe(PRICE);
    expect(await usdc.balanceOf(payTo)).toBe(PRICE);
    // the wallet was moved to the payment's chain, then signed the EIP-712 authorization
    expect(testWallet.chainId).toBe(43113n);
    const calls = testWallet.calls;
    expect(calls.indexOf('wallet_switchEthereumChain')).toBeGreaterThan(-1);
    expect(calls.indexOf('eth_signTypedData_v4')).toBeGreaterThan(
      calls.indexOf('wallet_switchEthereumChain'),
    );
  });

  it('renews for 30 days from the subscription page', async () => {
    await renewal().getByText('30 days left').waitFor();
    await renewal().getByRole('button', { name: 'Renew for 30 days' }).click();
    const dialog = terms();
    await dialog.getByText(/Renewing a subscription on the pro tier for 30 days/).waitFor();
    await dialog.getByRole('button', { name: 'Sign and pay' }).click();
    await renewal()
      .getByText(/^Renewed: paid until/)
      .waitFor();
    await renewal().getByText('60 days left').waitFor();
    await expect(terms().count()).resolves.toBe(0);
    expect(await usdc.balanceOf(wallet.address)).toBe(0n);
    await screenshot(page, 'payments-02-renewed');
    await expectAccessible(page, 'subscription page, renewed');
  });

  it('says why a payment was refused, and Cancel closes the terms', async () => {
    await renewal().getByRole('button', { name: 'Renew for 30 days' }).click();
    const dialog = terms();
    await dialog.getByRole('button', { name: 'Sign and pay' }).click();
    const alert = dialog.getByRole('alert');
    await alert.getByText('Your wallet does not hold enough of the token').waitFor();
    await alert.getByText(/The server said: payment refused/).waitFor();
    // the terms stay, to pay again once topped up
    await dialog.getByRole('button', { name: 'Sign and pay' }).waitFor();
    await screenshot(page, 'payments-03-refused');

    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(terms().count()).resolves.toBe(0);
    await page.waitForFunction(() => document.activeElement?.textContent === 'Renew for 30 days');
    await renewal().getByText('60 days left').waitFor();
  });

  it('lists the payments, and the tiers there are to buy', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Payments' })
      .click();
    await page.getByRole('heading', { name: 'Payments', level: 2 }).waitFor();
    const payments = page
      .getByRole('region', { name: 'Your payments', exact: true })
      .getByRole('table');
    await payments.waitFor();
    const rows = payments.locator('tbody tr');
    await expect(rows.count()).resolves.toBe(2);
    // newest first
    await expect(rows.nth(0).innerText()).resolves.toMatch(/Renewal, pro[\s\S]*20 USDC/);
    await expect(rows.nth(1).innerText()).resolves.toMatch(/New subscription, pro[\s\S]*20 USDC/);
    for (const row of [rows.nth(0), rows.nth(1)]) {
      await row.getByText('Settled').waitFor();
      await row.getByText('Avalanche Fuji testnet (chain id 43113)').waitFor();
      // the transaction hash, shortened, linked to the explorer
      await row.getByRole('link', { name: /^0x[0-9a-f]{4}…[0-9a-f]{4}/ }).waitFor();
    }
    const pro = page
      .getByRole('region', { name: 'Tiers', exact: true })
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: 'Pro', exact: true }) });
    await pro.getByText('20 USDC').waitFor();
    await screenshot(page, 'payments-04-payments');
    await expectAccessible(page, 'payments page');
  });

  it('fits a phone screen: the tables scroll in their own box', async () => {
    const phone = await walletContext(browser, wallet, {
      chainId: 43113n,
      ...PHONE,
    });
    const small = await phone.context.newPage();
    try {
      await small.goto(`${stack.apiUrl}/`);
      await small.getByRole('button', { name: 'Sign in with wallet' }).click();
      await small.getByRole('heading', { name: 'Subscriptions' }).waitFor();
      await small.goto(`${stack.apiUrl}/payments`);
      await small.getByRole('region', { name: 'Tiers', exact: true }).getByRole('table').waitFor();
      await small
        .getByRole('region', { name: 'Your payments', exact: true })
        .getByRole('table')
        .waitFor();
      const overflow = await horizontalOverflow(small);
      expect(overflow).toBe(0);
      await screenshot(small, 'payments-05-phone');
    } finally {
      await phone.context.close();
    }
  });
});
