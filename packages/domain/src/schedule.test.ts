import { planSlot, resumeSlot, slotAtOrBefore, slotOffsetMs } from './schedule';

const minute = 60_000;

describe('slot arithmetic', () => {
  it('gives a stable offset inside the interval', () => {
    const id = '9f1c2d3e-0000-4000-8000-000000000001';
    expect(slotOffsetMs(id, minute)).toBe(slotOffsetMs(id, minute));
    expect(slotOffsetMs(id, minute)).toBeGreaterThanOrEqual(0);
    expect(slotOffsetMs(id, minute)).toBeLessThan(minute);
  });

  it('spreads many subscriptions across the interval', () => {
    const buckets = new Array<number>(60).fill(0);
    for (let i = 0; i < 10_000; i += 1) {
      const hex = ((i * 2654435761) % 2 ** 32).toString(16).padStart(8, '0');
      buckets[Math.floor(slotOffsetMs(`${hex}-0000-4000-8000-000000000000`, minute) / 1000)]! += 1;
    }
    // 10,000 at 60 s: about 167 a second, none above twice that
    expect(Math.max(...buckets)).toBeLessThan(334);
    expect(Math.min(...buckets)).toBeGreaterThan(0);
  });

  it('checks an on-time slot and schedules the next one on the grid', () => {
    const offset = 7_000;
    const slot = slotAtOrBefore(1_000_000_000_000, minute, offset);
    expect((slot - offset) % minute).toBe(0);
    expect(planSlot(slot, slot + 200, minute, offset)).toEqual({
      slot,
      next: slot + minute,
      skipped: 0,
    });
  });

  it('checks a new subscription at once, then joins the grid a whole interval later', () => {
    const offset = 7_000;
    const created = 1_000_000_012_345;
    const { slot, next } = planSlot(created, created + 5, minute, offset);
    expect(slot).toBe(created);
    // never two checks within one interval: the first slot of the grid at least a minute on
    expect(next - created).toBeGreaterThanOrEqual(minute);
    expect(next - created).toBeLessThan(2 * minute);
    expect((next - offset) % minute).toBe(0);
  });

  it('goes back to the slot a confirmation check was brought forward from', () => {
    const offset = 7_000;
    const pending = offset + 1_000 * minute;
    // the last slot failed; its retry, 20 s later, comes before the pending slot
    const retry = pending - minute + 20_000;
    const { slot, next } = planSlot(retry, retry + 5, minute, offset, true);
    expect(slot).toBe(retry);
    expect(next).toBe(pending);
  });

  it('skips missed slots instead of bursting', () => {
    const offset = 0;
    const due = 1_000_000_020_000 - (1_000_000_020_000 % minute);
    const now = due + 10 * minute + 5_000;
    const plan = planSlot(due, now, minute, offset);
    expect(plan.slot).toBe(due + 10 * minute);
    expect(plan.next).toBe(due + 11 * minute);
    expect(plan.skipped).toBe(10);
  });
});

describe('resumeSlot: a pause, a resume or a new interval never buys an early check', () => {
  const interval = 5 * minute;
  const offset = 17_000;
  const grid = (k: number) => offset + k * interval;

  it('keeps the stored next slot when resumed within the same interval', () => {
    // slot k=10 was enqueued, so next_check_at is k=11; paused and resumed a second later
    const now = grid(10) + 1_000;
    expect(
      resumeSlot({
        nowMs: now,
        nextCheckAtMs: grid(11),
        previousIntervalMs: interval,
        intervalMs: interval,
        offsetMs: offset,
      }),
    ).toBe(grid(11));
  });

  it('goes on at the first grid slot after now once the pause outlasted the interval', () => {
    const now = grid(40) + 2_000;
    expect(
      resumeSlot({
        nowMs: now,
        nextCheckAtMs: grid(11),
        previousIntervalMs: interval,
        intervalMs: interval,
        offsetMs: offset,
      }),
    ).toBe(grid(41));
  });

  it('a shorter interval starts one new interval after the last check, on the new grid', () => {
    const shorter = minute;
    const newOffset = 5_000;
    const now = grid(10) + 1_000;
    const next = resumeSlot({
      nowMs: now,
      nextCheckAtMs: grid(11),
      previousIntervalMs: interval,
      intervalMs: shorter,
      offsetMs: newOffset,
    });
    expect(next).toBeGreaterThanOrEqual(grid(10) + shorter);
    expect((next - newOffset) % shorter).toBe(0);
    expect(next - (grid(10) + shorter)).toBeLessThan(shorter);
  });

  it('any pause and resume sequence keeps checks at least one interval apart', () => {
    let next = grid(1);
    const checks: number[] = [];
    let now = grid(1);
    // a loop that pauses and resumes every 7 s for an hour; the scheduler checks each due slot
    for (let i = 0; i < 514; i += 1) {
      now += 7_000;
      while (next <= now) {
        checks.push(next);
        next = planSlot(next, next, interval, offset).next;
      }
      next = resumeSlot({
        nowMs: now,
        nextCheckAtMs: next,
        previousIntervalMs: interval,
        intervalMs: interval,
        offsetMs: offset,
      });
    }
    for (let i = 1; i < checks.length; i += 1) {
      expect(checks[i]! - checks[i - 1]!).toBeGreaterThanOrEqual(interval);
    }
    expect(checks.length).toBeLessThanOrEqual(Math.ceil((now - grid(1)) / interval) + 1);
  });
});
