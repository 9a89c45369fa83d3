import { planSlot, slotAtOrBefore, slotOffsetMs } from './schedule';

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

  it('checks an off-grid slot (new, resumed) at once, then joins the grid', () => {
    const offset = 7_000;
    const created = 1_000_000_012_345;
    const { slot, next } = planSlot(created, created + 5, minute, offset);
    expect(slot).toBe(created);
    expect(next).toBeGreaterThan(created);
    expect(next - created).toBeLessThanOrEqual(minute);
    expect((next - offset) % minute).toBe(0);
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
