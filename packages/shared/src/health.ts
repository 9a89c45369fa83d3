export interface DependencyHealth {
  ok: boolean;
  /** per dependency: "connected" or "disconnected" */
  parts: Record<string, 'connected' | 'disconnected'>;
  /**
   * Why each failing dependency failed, for the log only: a driver's error text can name hosts,
   * ports and users, so `/health` (public) names the failing part and never says why.
   */
  errors: Record<string, string>;
}

/** Runs every probe at once; names each dependency and, for the log, why one failed. */
export async function checkDependencies(
  probes: Record<string, () => Promise<unknown>>,
): Promise<DependencyHealth> {
  const names = Object.keys(probes);
  const outcomes = await Promise.allSettled(names.map((name) => probes[name]!()));
  const health: DependencyHealth = { ok: true, parts: {}, errors: {} };
  outcomes.forEach((outcome, i) => {
    const name = names[i]!;
    health.parts[name] = outcome.status === 'fulfilled' ? 'connected' : 'disconnected';
    if (outcome.status === 'rejected') {
      health.ok = false;
      health.errors[name] =
        outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
    }
  });
  return health;
}
