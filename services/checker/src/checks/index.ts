import type { TargetTypeName } from '@lighthouse/domain';
import { runHttpCheck } from './http';
import type { CheckContext, CheckResult, CheckRunner } from './types';

/** One line per target type: its runner takes the config its schema validated. */
const checkRunners: { [T in TargetTypeName]: CheckRunner<never> } = {
  http: runHttpCheck,
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
