#!/usr/bin/env node
// One paid check from a Lighthouse run as a service: POST /v1/probe, paid over x402 with the
// official client (@x402/fetch, @x402/evm, viem). No account: the wallet that pays is all.
//
//   WALLET_KEY=0x… node examples/probe.mjs https://api.example.com/health
//
// LIGHTHOUSE_URL: the Lighthouse to ask (default http://localhost:3000)
// MAX_PRICE_USDC: pay at most this much for the check (default 0.01)
// REGIONS: where to check from, comma-separated (default the instance's own region)
// Prints the answer (results, payment, signed proof) as JSON; exits 1 when it is not 200.

import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { parseUnits } from 'ethers';
import { privateKeyToAccount } from 'viem/accounts';

const target = process.argv[2];
const key = process.env.WALLET_KEY;
if (!target || !key) {
  process.stderr.write('usage: WALLET_KEY=0x… node examples/probe.mjs <url to check>\n');
  process.exit(2);
}
const lighthouse = (process.env.LIGHTHOUSE_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
const url = `${lighthouse}/v1/probe`;
const request = {
  method: 'POST',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({
    target_type: 'http',
    target_config: { url: target },
    ...(process.env.REGIONS ? { regions: process.env.REGIONS.split(',') } : {}),
  }),
};

// 1. Ask unpaid: bad input is a 400 here, before any price; otherwise 402 with the terms.
const quote = await fetch(url, request);
if (quote.status !== 402) {
  process.stderr.write(`expected 402 with terms, got ${quote.status}: ${await quote.text()}\n`);
  process.exit(1);
}
const terms = decodePaymentRequiredHeader(quote.headers.get('PAYMENT-REQUIRED') ?? '');
const offer = terms.accepts[0];

// 2. The client pays only in tokens it is told about, up to a ceiling: this one, this much.
const ceiling = parseUnits(process.env.MAX_PRICE_USDC ?? '0.01', 6);
const client = new x402Client().setSpendControls({
  allowedAssets: [
    { network: offer.network, asset: offer.asset, maxAmountPerPayment: ceiling.toString() },
  ],
});
registerExactEvmScheme(client, { signer: privateKeyToAccount(key) });
const pay = wrapFetchWithPayment(fetch, client);

// 3. The same request, paid: the check runs now and the payment settles once it did.
const res = await pay(url, request);
const body = await res.json();
const receipt = res.headers.get('PAYMENT-RESPONSE');
process.stdout.write(
  `${JSON.stringify(
    {
      status: res.status,
      paid: receipt ? decodePaymentResponseHeader(receipt) : null,
      ...body,
    },
    null,
    2,
  )}\n`,
);
process.exit(res.status === 200 ? 0 : 1);
