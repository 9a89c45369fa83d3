/**
 * Keyset pagination: a list query fetches `limit + 1` rows; this splits them into the page
 * and the cursor of the next one (null at the end), taken from the page's last row.
 */
export function keysetPage<R, C>(
  rows: R[],
  limit: number,
  cursorOf: (last: R) => C,
): { page: R[]; next: C | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, next: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
