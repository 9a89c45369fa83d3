import type { TargetTypeName } from '@lighthouse/domain';
import { runHttpCheck } from './http';
import { runDnsCheck } from './dns';
import { runTcpCheck } from './tcp';
import { runTlsCheck } from './tls';
import { runWebsocketCheck } from './websocket';
import { runHeartbeatCheck } from './heartbeat';
import { runCanaryCheck } from './canary';
import { runEvmBalanceCheck } from './evm_balance';
import { runEvmContractCheck } from './evm_contract';
import { runEvmRpcCheck } from './evm_rpc';
import type { CheckContext, CheckResult, CheckRunner } from './types';

/** One line per target type: its runner takes the config its schema validated. */
const checkRunners: { [T in TargetTypeName]: CheckRunner<never> } = {
  http: runHttpCheck,
  tcp: runTcpCheck,
  dns: runDnsCheck,
  tls: runTlsCheck,
  websocket: runWebsocketCheck,
  heartbeat: runHeartbeatCheck,
  canary: runCanaryCheck,
  evm_balance: runEvmBalanceCheck,
  evm_contract: runEvmContractCheck,
  evm_rpc: runEvmRpcCheck,
};

/** Runs the check for a stored (already validated) target config. */
export function runCheck(
  type: TargetTypeName,
  config: Record<string, unknown>,
  ctx: CheckContext,
): Promise<CheckResult> {
  const run = checkRunners[type] as CheckRunner<Record<string, unknown>>;
  return run(config, ctx);
}

export type { CheckContext, CheckResult, CheckRunner } from './types';
