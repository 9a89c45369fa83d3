import type { TargetTypeName } from '@lighthouse/domain';
import { createCanaryChecker } from './canary';
import { createDnsChecker } from './dns';
import { createEvmBalanceChecker } from './evm_balance';
import { createEvmContractChecker } from './evm_contract';
import { createEvmRpcChecker } from './evm_rpc';
import { runHeartbeatCheck } from './heartbeat';
import { createHttpChecker } from './http';
import { createProbes, type ProbeOptions, type Probes } from './probes';
import { createTcpChecker } from './tcp';
import { createTlsChecker } from './tls';
import { createWebsocketChecker } from './websocket';
import { createX402Checker } from './x402';
import type { CheckResult, CheckRunner, SlotContext } from './types';

/** One line per target type: its runner, made from the probes every check shares. */
const checks: { [T in TargetTypeName]: (probes: Probes) => CheckRunner<never, SlotContext> } = {
  http: (probes) => createHttpChecker(probes).run,
  tcp: createTcpChecker,
  dns: createDnsChecker,
  tls: createTlsChecker,
  websocket: createWebsocketChecker,
  heartbeat: () => runHeartbeatCheck,
  canary: createCanaryChecker,
  evm_balance: createEvmBalanceChecker,
  evm_contract: createEvmContractChecker,
  evm_rpc: createEvmRpcChecker,
  x402: createX402Checker,
};

export interface CheckRunners {
  /** Runs the check for a stored (already validated) target config. */
  run(
    type: TargetTypeName,
    config: Record<string, unknown>,
    ctx: SlotContext,
  ): Promise<CheckResult>;
  /** Closes the sockets the checks keep alive: once, at shutdown, after the workers. */
  close(): Promise<void>;
}

/** Every check type's runner, on one set of probes (guards and keep-alive agents) it owns. */
export function createCheckRunners(options: ProbeOptions = {}): CheckRunners {
  const probes = createProbes(options);
  const runners = Object.fromEntries(
    Object.entries(checks).map(([type, create]) => [type, create(probes)]),
  ) as Record<TargetTypeName, CheckRunner<Record<string, unknown>, SlotContext>>;
  return {
    run: (type, config, ctx) => runners[type](config, ctx),
    close: () => probes.close(),
  };
}

export type { CheckContext, CheckHistory, CheckResult, CheckRunner, SlotContext } from './types';
export type { ProbeOptions } from './probes';
