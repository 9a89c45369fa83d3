import { targetDestinations, type TargetTypeName } from '@lighthouse/domain';
import {
  classifyAddress,
  isBlockedAddress,
  systemResolver,
  type Resolver,
  type TargetAccess,
} from '@lighthouse/net';
import type { FieldIssue } from '@lighthouse/shared';
import { isIP } from 'node:net';

/** How long the names of one target may take to resolve, all together. */
export const RESOLVE_BUDGET_MS = 3_000;

function why(address: string, access: TargetAccess): string {
  if (classifyAddress(address) === 'link-local') {
    return 'a link-local or cloud metadata address, which this instance never checks (LIGHTHOUSE_ALLOW_LINK_LOCAL_TARGETS)';
  }
  return access === 'public'
    ? 'a private or reserved address: this instance checks public targets only'
    : 'an address this instance does not check';
}

/**
 * The SSRF guard's verdict at creation (and on a change of target): every host the check
 * would connect to, resolved now, with a field issue for each that the checkers would refuse,
 * so a target that can only ever fail is a 400 naming its field rather than a subscription
 * that is down forever. A name that does not resolve yet passes (the check will say so);
 * the probe's own guard still checks every connection, so DNS changing later is covered.
 */
export async function refusedDestinations(
  type: TargetTypeName,
  config: Record<string, unknown>,
  access: TargetAccess,
  resolve: Resolver = systemResolver,
): Promise<FieldIssue[]> {
  if (access === 'all') return [];
  const destinations = targetDestinations(type, config);
  const names = [...new Set(destinations.map((d) => d.host).filter((h) => isIP(h) === 0))];
  const resolved = await resolveAll(names, resolve);
  const issues: FieldIssue[] = [];
  for (const { field, host } of destinations) {
    const at = `target_config.${field}`;
    if (isIP(host) !== 0) {
      if (isBlockedAddress(host, access))
        issues.push({ field: at, message: `${host} is ${why(host, access)}` });
      continue;
    }
    const blocked = (resolved.get(host) ?? []).find((a) => isBlockedAddress(a, access));
    if (blocked !== undefined && access === 'public') {
      // a service's resolver names the operator's network: say what, not which address
      issues.push({ field: at, message: `${host} resolves to ${why(blocked, access)}` });
    } else if (blocked !== undefined) {
      issues.push({
        field: at,
        message: `${host} resolves to ${blocked}, ${why(blocked, access)}`,
      });
    }
  }
  return issues;
}

/** Every address of each name, within one shared budget; names that fail or time out get none. */
async function resolveAll(names: string[], resolve: Resolver): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (names.length === 0) return out;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((done) => {
    timer = setTimeout(done, RESOLVE_BUDGET_MS);
  });
  try {
    await Promise.race([
      deadline,
      Promise.all(
        names.map(async (name) => {
          try {
            const addresses = await resolve(name, { family: 0 });
            out.set(
              name,
              addresses.map((a) => a.address),
            );
          } catch {
            // unresolvable now: the check itself will report it
          }
        }),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
  return out;
}
