/**
 * Regions and quorum: a subscription is checked from the regions it chose, and a slot's
 * verdict needs a quorum of them. Pure: no I/O.
 */
import type { CheckStatus } from './state';

/** The region of an instance whose checkers name none (CHECKER_REGION's default). */
export const LOCAL_REGION = 'local';

/** A region's name: lower-case letters, digits and dashes, as in queue names and URLs. */
export { REGION_PATTERN } from '@lighthouse/shared';

/** The most regions one subscription may be checked from. */
export const MAX_REGIONS = 32;

/** How many of a subscription's regions must agree: a word, or a number of regions. */
export type Quorum = 'any' | 'majority' | 'all' | number;

export const QUORUM_WORDS = ['any', 'majority', 'all'] as const;

/** The quorum as stored (`subscriptions.quorum`, text): a word or a number. */
export function parseQuorum(stored: string): Quorum {
  if ((QUORUM_WORDS as readonly string[]).includes(stored)) return stored as Quorum;
  const n = Number(stored);
  return Number.isInteger(n) && n >= 1 ? n : 'majority';
}

/** How many regions make a quorum of `regions`: a number above the count means all of them. */
export function quorumSize(quorum: Quorum, regions: number): number {
  if (regions <= 0) return 1;
  switch (quorum) {
    case 'any':
      return 1;
    case 'majority':
      return Math.floor(regions / 2) + 1;
    case 'all':
      return regions;
    default:
      return Math.min(Math.max(1, quorum), regions);
  }
}

/** One region's result for a slot. */
export interface RegionReport {
  region: string;
  status: CheckStatus;
}

export type VerdictKind = CheckStatus | 'inconclusive' | 'pending';

export interface SlotVerdict<R extends RegionReport> {
  /**
   * - `pending`: some chosen regions have not reported and the slot's deadline has not passed;
   * - `down`: at least a quorum of regions are down;
   * - `degraded`: at least a quorum are down or degraded (and not a quorum down);
   * - `up`: at least a quorum reported, and neither of the above;
   * - `inconclusive`: the deadline passed with fewer reports than a quorum. It changes nothing.
   */
  kind: VerdictKind;
  /** one report per chosen region that reported (the first of duplicates), by region name */
  reports: R[];
  /** the chosen regions that did not report, by name */
  missing: string[];
  /** the regions that reported down or degraded, by name */
  failed: string[];
}

/**
 * A slot's verdict from its regions' reports: reached when every chosen region reported, or
 * when the slot's deadline (its timeout and a grace) has passed with whatever came. Reports
 * from regions the subscription does not use are ignored, and so are repeated reports from
 * one region (the first counts). A region that did not report is missing, never down.
 */
export function slotVerdict<R extends RegionReport>(input: {
  regions: readonly string[];
  quorum: Quorum;
  reports: readonly R[];
  deadlinePassed: boolean;
}): SlotVerdict<R> {
  const chosen = [...new Set(input.regions)].sort();
  const byRegion = new Map<string, R>();
  for (const report of input.reports) {
    if (chosen.includes(report.region) && !byRegion.has(report.region)) {
      byRegion.set(report.region, report);
    }
  }
  const reports = chosen.flatMap((r) => {
    const report = byRegion.get(r);
    return report ? [report] : [];
  });
  const missing = chosen.filter((r) => !byRegion.has(r));
  const failed = reports.filter((r) => r.status !== 'up').map((r) => r.region);
  const verdict = (kind: VerdictKind): SlotVerdict<R> => ({ kind, reports, missing, failed });

  if (missing.length > 0 && !input.deadlinePassed) return verdict('pending');
  const needed = quorumSize(input.quorum, chosen.length);
  const down = reports.filter((r) => r.status === 'down').length;
  if (down >= needed) return verdict('down');
  if (failed.length >= needed) return verdict('degraded');
  if (reports.length >= needed) return verdict('up');
  return verdict('inconclusive');
}
