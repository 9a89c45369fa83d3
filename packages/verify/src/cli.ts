#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { deployAnchorContract } from './anchor';
import { loadCliConfig } from './config';
import { VerificationError, verifyReport } from './verify';

const USAGE = `usage:
  lighthouse-verify <report.json> [--rpc <url>]
      checks a Lighthouse SLA report or proof: every row against its probe's signed batch,
      every batch against its hour's root, and with --rpc every hour's root on chain
  lighthouse-verify deploy-anchor --rpc <url>
      deploys the anchor contract with the key in ANCHOR_PRIVATE_KEY and prints its address`;

/** Exit codes: 0 verified, 1 something does not hold, 2 usage or an unreadable file. */
async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  let rpcUrl: string | undefined;
  const rpcAt = args.indexOf('--rpc');
  if (rpcAt !== -1) {
    rpcUrl = args[rpcAt + 1];
    if (!rpcUrl) return usage('--rpc needs a URL');
    args.splice(rpcAt, 2);
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args[0] === 'deploy-anchor') {
    const key = loadCliConfig().ANCHOR_PRIVATE_KEY;
    if (!rpcUrl) return usage('deploy-anchor needs --rpc <url>');
    if (!key) return usage('deploy-anchor needs ANCHOR_PRIVATE_KEY in the environment');
    const deployed = await deployAnchorContract(rpcUrl, key);
    process.stdout.write(
      `LighthouseAnchor deployed on chain ${deployed.chain_id} at ${deployed.address} (tx ${deployed.tx_hash})\n` +
        `set ANCHOR_CONTRACT=${deployed.address} for the scheduler\n`,
    );
    return 0;
  }
  if (args.length !== 1) return usage('give one report file');
  let report: unknown;
  try {
    report = JSON.parse(readFileSync(args[0]!, 'utf8'));
  } catch (err) {
    return usage(`cannot read ${args[0]}: ${(err as Error).message}`);
  }
  try {
    const v = await verifyReport(report, {
      ...(rpcUrl ? { rpcUrl } : {}),
      onProgress: (line) => process.stderr.write(`${line}\n`),
    });
    const pct = v.uptime.pct === null ? 'no checks' : `${v.uptime.pct} %`;
    const lines = [
      `verified: ${v.subscription.name} (${v.subscription.id}), ${v.from} to ${v.to}`,
      `uptime ${pct}: ${v.uptime.up} up, ${v.uptime.degraded} degraded, ${v.uptime.down} down of ${v.uptime.total} checks`,
      `${v.rows} records in ${v.batches} signed batches, by ${v.probes.length} probe(s): ${v.probes.join(', ')}`,
      rpcUrl
        ? `${v.anchors_on_chain} hour root(s) found on chain; ${v.anchors_unchecked} published without a chain`
        : `${v.anchors_unchecked} hour root(s) match the report, not checked on chain (give --rpc <url>)`,
    ];
    if (v.batches_unanchored > 0)
      lines.push(`${v.batches_unanchored} batch(es) not anchored yet (the latest hour)`);
    if (v.gaps.length > 0) {
      lines.push(`${v.gaps.length} stretch(es) without records:`);
      for (const g of v.gaps.slice(0, 20)) lines.push(`  ${g.region}: ${g.after} to ${g.before}`);
    }
    if (v.unsigned > 0)
      lines.push(`${v.unsigned} record(s) of the period predate signing and are not in the report`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (err) {
    if (err instanceof VerificationError) {
      process.stderr.write(`NOT VERIFIED: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

function usage(why: string): number {
  process.stderr.write(`lighthouse-verify: ${why}\n${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `lighthouse-verify: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exitCode = 2;
  },
);
