import { freePort } from '@lighthouse/testing';
import type { Wallet } from 'ethers';
import { getBytes, isHexString, toUtf8String } from 'ethers';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startStack, type Stack } from '../e2e/alerting-stack';

// Browser tests: Playwright (playwright-core) drives the system's Chromium against the real
// services, with a test wallet injected into the page as an EIP-1193 provider whose keys stay
// in this process. `./lighthouse test` installs Chromium (Debian's chromium package).

const root = join(__dirname, '..', '..');
/** where screenshots are kept, as artifacts of the test run */
export const SCREENSHOTS = join(root, 'test-artifacts', 'screenshots');

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `the browser tests need Chromium at ${path}: ./lighthouse test installs it (apt-get install chromium), or set CHROMIUM_PATH`,
    );
  }
  return path;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    // without the background-networking flags Chromium keeps trying to reach its own
    // services, which a closed network refuses
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The whole stack, with the API on a known port so the page's origin is the SIWE domain. */
export async function startDashboardStack(
  extra: Parameters<typeof startStack>[0] = {},
): Promise<Stack> {
  if (!existsSync(join(root, 'apps', 'dashboard', 'dist', 'index.html'))) {
    throw new Error('the dashboard is not built: run pnpm build (./lighthouse test does)');
  }
  const port = await freePort();
  return startStack({
    ...extra,
    api: {
      PORT: String(port),
      SIWE_DOMAIN: `127.0.0.1:${port}`,
      // the owner's sign-in link (self-hosted) names the page's own origin
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      // test alerts go from the api to the loopback peer
      LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true',
      ...extra.api,
    },
  });
}

export interface TestWallet {
  wallet: Wallet;
  /** the chain the wallet says it is on; wallet_switchEthereumChain changes it */
  chainId: bigint;
  /** every method the page called, in order */
  calls: string[];
}

/**
 * A context whose pages see `window.ethereum`: an EIP-1193 provider that answers accounts and
 * chain requests and signs with `wallet` in this process (personal_sign for SIWE,
 * eth_signTypedData_v4 for x402). Anything else is refused with code 4200, as wallets do.
 */
export async function walletContext(
  browser: Browser,
  wallet: Wallet,
  options: {
    chainId?: bigint;
    viewport?: { width: number; height: number };
    isMobile?: boolean;
  } = {},
): Promise<{ context: BrowserContext; testWallet: TestWallet }> {
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 900 },
    isMobile: options.isMobile ?? false,
    hasTouch: options.isMobile ?? false,
    deviceScaleFactor: 1,
  });
  const testWallet: TestWallet = { wallet, chainId: options.chainId ?? 1n, calls: [] };
  await context.exposeFunction(
    '__lighthouseTestWallet',
    async (
      method: string,
      params: unknown[],
    ): Promise<{ result?: unknown; error?: { code: number; message: string } }> => {
      testWallet.calls.push(method);
      switch (method) {
        case 'eth_requestAccounts':
        case 'eth_accounts':
          return { result: [wallet.address] };
        case 'eth_chainId':
          return { result: `0x${testWallet.chainId.toString(16)}` };
        case 'wallet_switchEthereumChain': {
          const [{ chainId }] = params as [{ chainId: string }];
          testWallet.chainId = BigInt(chainId);
          return { result: null };
        }
        case 'personal_sign': {
          const [message] = params as [string, string];
          const text = isHexString(message) ? toUtf8String(getBytes(message)) : message;
          return { result: await wallet.signMessage(text) };
        }
        case 'eth_signTypedData_v4': {
          const [, json] = params as [string, string];
          const typed = JSON.parse(json) as {
            domain: Record<string, unknown>;
            types: Record<string, { name: string; type: string }[]>;
            message: Record<string, unknown>;
          };
          const { EIP712Domain: _domain, ...types } = typed.types;
          return { result: await wallet.signTypedData(typed.domain, types, typed.message) };
        }
        default:
          return { error: { code: 4200, message: `the test wallet does not support ${method}` } };
      }
    },
  );
  await context.addInitScript(() => {
    type Answer = { result?: unknown; error?: { code: number; message: string } };
    const call = (
      window as unknown as { __lighthouseTestWallet: (m: string, p: unknown[]) => Promise<Answer> }
    ).__lighthouseTestWallet;
    (window as unknown as { ethereum: unknown }).ethereum = {
      isLighthouseTestWallet: true,
      async request({ method, params }: { method: string; params?: unknown[] }) {
        const answer = await call(method, params ?? []);
        if (answer.error)
          throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
        return answer.result;
      },
      on() {},
      removeListener() {},
    };
  });
  return { context, testWallet };
}

/** A phone-sized touch screen, for `walletContext`. */
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true } as const;

/** How far the page is wider than the window: 0 when nothing scrolls sideways. */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** Saves a screenshot (the full page by default) under test-artifacts/screenshots. */
export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage, animations: 'disabled' });
  return path;
}

/** axe-core's WCAG 2.x A and AA rules on the page as it is now: none may fail. */
export async function expectAccessible(target: Page, what: string): Promise<void> {
  // evaluated over the DevTools protocol: the page's CSP (rightly) refuses injected scripts
  await target.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = await target.evaluate(async () => {
    const { axe } = window as unknown as {
      axe: {
        run(options: unknown): Promise<{
          violations: { id: string; help: string; nodes: { target: unknown }[] }[];
        }>;
      };
    };
    const result = await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map(
      (v) => `${v.id}: ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`,
    );
  });
  expect({ what, violations }).toEqual({ what, violations: [] });
}
