import { Agent } from 'undici';
import { createSsrfGuard, type SsrfGuard, type SsrfGuardOptions, type TargetAccess } from './ssrf';

/** The SSRF guard of each policy, made on first use; a guard holds no state, only its options. */
export type Guards = (access: TargetAccess) => SsrfGuard;

/**
 * One guard per policy, shared by every connection made under it. `resolve` and `isBlocked`
 * replace the system resolver and the address predicate (tests map made-up public names to
 * loopback).
 */
export function createGuards(options: Omit<SsrfGuardOptions, 'access'> = {}): Guards {
  const guards = new Map<TargetAccess, SsrfGuard>();
  return (access) => {
    let guard = guards.get(access);
    if (guard === undefined) {
      guard = createSsrfGuard({ ...options, access });
      guards.set(access, guard);
    }
    return guard;
  };
}

export interface GuardedTransport {
  guard: SsrfGuard;
  agent: Agent;
}

export interface GuardedAgents {
  /** the guard and keep-alive agent of a guard mode, made on first use */
  get(access: TargetAccess): GuardedTransport;
  /** forgets every agent and closes its sockets (`destroy` aborts requests in flight) */
  close(how?: 'close' | 'destroy'): Promise<void>;
}

/**
 * One keep-alive agent per guard policy, until `close`: a socket opened while private targets
 * were allowed is never reused while they are not. Every host name a socket connects to is
 * resolved by the guard's lookup, which refuses private and reserved addresses (DESIGN.md
 * invariant 5) unless the operator allows them.
 */
export function guardedAgents(
  options: Omit<Agent.Options, 'connect'>,
  guards: Guards = createGuards(),
): GuardedAgents {
  const transports = new Map<TargetAccess, GuardedTransport>();
  return {
    get(access) {
      let transport = transports.get(access);
      if (transport === undefined) {
        const guard = guards(access);
        transport = { guard, agent: new Agent({ ...options, connect: guard.connectOptions }) };
        transports.set(access, transport);
      }
      return transport;
    },
    async close(how = 'close') {
      const agents = [...transports.values()].map((t) => t.agent);
      transports.clear();
      await Promise.all(agents.map((a) => (how === 'destroy' ? a.destroy() : a.close())));
    },
  };
}
