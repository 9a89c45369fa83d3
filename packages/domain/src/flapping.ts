/**
 * Flapping: a subscription whose state changes `flapping_threshold` times within its window is
 * flapping; its changes are then held (recorded, not sent) until a whole window passes without
 * one. Pure: the checker reads the recent changes and writes the kinds these functions choose
 * (services/checker results/record.ts); the scheduler's SQL that ends flapping at scale
 * (packages/db rules.raiseStable) mirrors {@link flappingOver}.
 */
export interface FlappingSettings {
  /** changes within the window that make it flapping; null: detection off */
  flapping_threshold: number | null;
  flapping_window_minutes: number;
  /** set while flapping */
  flapping_since: Date | null;
}

/** What one state change is, as far as flapping goes. */
export type ChangeVerdict =
  | { kind: 'transition' }
  /** a change while flapping: recorded, not sent */
  | { kind: 'held' }
  /** the change that started flapping, with the count that did it */
  | { kind: 'flapping'; transitions: number; window_minutes: number };

const windowMs = (s: Pick<FlappingSettings, 'flapping_window_minutes'>) =>
  s.flapping_window_minutes * 60_000;

/** Whether a subscription's changes need classifying at all (or are all plain transitions). */
export function watchesFlapping(s: FlappingSettings): boolean {
  return s.flapping_threshold !== null || s.flapping_since !== null;
}

/**
 * Since when {@link classifyChanges} needs the subscription's earlier changes, given the slot
 * of the first change to classify; null when it needs none (detection off, or already
 * flapping: then every change is held whatever came before).
 */
export function earlierChangesSince(s: FlappingSettings, firstChange: Date): Date | null {
  if (s.flapping_threshold === null || s.flapping_since !== null) return null;
  return new Date(firstChange.getTime() - windowMs(s));
}

/**
 * Classifies one subscription's new state changes (their slots, oldest first), given the slots
 * of its changes already recorded since {@link earlierChangesSince}:
 * - while flapping, every change is held;
 * - a change that brings the number of changes in the window ending at its slot (itself and
 *   the earlier ones, those after slot − window) to the threshold starts flapping, and the
 *   changes after it are held;
 * - any other change is a plain transition.
 * `started` is the slot of the change that started flapping, if one did.
 */
export function classifyChanges(
  s: FlappingSettings,
  earlier: readonly Date[],
  changes: readonly Date[],
): { verdicts: ChangeVerdict[]; started: Date | null } {
  let flapping = s.flapping_since !== null;
  let started: Date | null = null;
  const seen = earlier.map((d) => d.getTime());
  const verdicts = changes.map((slot): ChangeVerdict => {
    const at = slot.getTime();
    seen.push(at);
    if (flapping) return { kind: 'held' };
    const transitions = seen.filter((t) => t > at - windowMs(s)).length;
    if (s.flapping_threshold === null || transitions < s.flapping_threshold) {
      return { kind: 'transition' };
    }
    flapping = true;
    started = slot;
    return { kind: 'flapping', transitions, window_minutes: s.flapping_window_minutes };
  });
  return { verdicts, started };
}

/**
 * Whether flapping is over at `now`: the subscription is flapping and its newest change
 * (`lastChange`, null if none is recorded) is a whole window old. The scheduler selects these
 * in SQL (rules.raiseStable: no change with a slot after now − window), which mirrors this.
 */
export function flappingOver(
  s: Pick<FlappingSettings, 'flapping_since' | 'flapping_window_minutes'>,
  lastChange: Date | null,
  now: Date,
): boolean {
  if (s.flapping_since === null) return false;
  return lastChange === null || lastChange.getTime() <= now.getTime() - windowMs(s);
}
