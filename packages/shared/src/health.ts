export interface DependencyHealth {
  ok: boolean;
  /** per dependency: "connected" or "disconnected" */
  [dependency: string]: unknown;
}

/**
 * Runs every probe at once; the answer names each dependency and, when one
 * fails, why under `errors`. What `/health` answers in every service.
 */
export async function checkDependencies(
  probes: Record<string, () => Promise<unknown>>,
): Promise<DependencyHealth> {
  const names = Object.keys(probes);
  const outcomes = await Promise.allSettled(names.map((name) => probes[name]!()));
  const health: DependencyHealth = { ok: true };
  const errors: Record<string, string> = {};
  outcomes.forEach((outcome, i) => {
    const name = names[i]!;
    health[name] = outcome.status === 'fulfilled' ? 'connected' : 'disconnected';
    if (outcome.status === 'rejected') {
      health.ok = false;
      errors[name] =
        outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
    }
  });
  if (!health.ok) health.errors = errors;
  return health;
}
