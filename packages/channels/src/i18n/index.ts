import type { Language } from '@lighthouse/domain';
import type { AlertKind, AlertMessage, RegionResult, RenderedMessage } from '../channels/types';
import { en } from './en';
import { es } from './es';

/**
 * The words of one language. A catalog holds only words and word order; layout, escaping,
 * emoji and number formatting live here, so adding a language is one file like ./en.ts and
 * one line in {@link catalogs}.
 */
export interface Catalog {
  /** State names as shown in messages; states not listed are shown as they are. */
  states: Record<'up' | 'down' | 'degraded' | 'unknown', string>;
  /**
   * One-line title of a state change, e.g. "My API is DOWN" (the layout puts the state's emoji
   * first). The other titles take `state`, the state's name from {@link Catalog.states}.
   */
  title(name: string, toState: string, fromState: string): string;
  /** A reminder that it is still down: "My API is still DOWN". */
  reminderTitle(name: string, state: string): string;
  /** It changes state too often: "My API is FLAPPING". */
  flappingTitle(name: string): string;
  /** Flapping is over: "My API is stable again (up)". */
  stableTitle(name: string, state: string): string;
  /** "5 state changes in 30 min"; `window` is a duration already formatted. */
  stateChanges(transitions: number, window: string): string;
  /** First line of a flapping message, led by {@link Catalog.stateChanges} when known. */
  flappingNotice(changes: string | null): string;
  /** First line of a stable message: alerts resume. */
  stableNotice: string;
  /** The paid period ends in `days` whole days (at least 1), or has ended (0): "My API has EXPIRED". */
  expiringTitle(name: string, days: number): string;
  /**
   * First line of an expiry notice: the subscription and its tier, when the period ends
   * (`date` already formatted: "4 May 2024, 12:00 UTC"), and what follows from it.
   */
  expiringNotice(name: string, tier: string, days: number, date: string): string;
  /** Title of a test alert (POST /v1/subscriptions/:id/test-alert): "Test alert for My API". */
  testTitle(name: string): string;
  /** First line of a test alert: it is a test, and nothing has changed. */
  testNotice: string;
  labels: Record<LabelledKey, string>;
  /**
   * The label of the line naming the regions that failed, when a subscription is checked from
   * several: "Failed in 2 of 3 regions" (the line's value lists them with their errors).
   */
  failedRegions(failed: number, total: number): string;
  /** Words for the checker's error categories; categories not listed are shown as they are. */
  errorCategories: Partial<Record<string, string>>;
  /** Month names, January first, for the readable UTC time. */
  months: readonly string[];
  /** A calendar date in words: "1 May 2024", "1 de mayo de 2024". */
  date(day: number, month: string, year: number): string;
  /** Unit symbols for durations ("3 min 20 s"). */
  units: { d: string; h: string; min: string; s: string };
}

/** One line per language. */
export const catalogs: Record<Language, Catalog> = { en, es };

/** The lines whose label is a fixed word of the catalog. */
type LabelledKey =
  | 'subscription'
  | 'target'
  | 'state'
  | 'flapping'
  | 'error'
  | 'httpStatus'
  | 'responseTime'
  | 'time'
  | 'downtime'
  | 'downFor'
  | 'since'
  | 'tier'
  | 'paidUntil';

/** A message's lines: the labelled ones, and the regions that failed (labelled with their count). */
export type FieldKey = LabelledKey | 'regions';

/** One labelled line of a message, in the message's language; plain text, not escaped. */
export interface MessageField {
  key: FieldKey;
  label: string;
  value: string;
}

/** The longest error message a notification repeats (chat APIs cap message sizes). */
const MAX_ERROR_CHARS = 500;
/** The longest region name, and region error, a notification repeats: several share one line. */
const MAX_REGION_CHARS = 64;
const MAX_REGION_ERROR_CHARS = 200;
/** The longest line of failed regions: it fits a Discord embed field (1024). */
const MAX_REGIONS_CHARS = 1000;

/** Title emoji by the state a message leaves the subscription in; other states get none. */
const STATE_EMOJI: Partial<Record<string, string>> = { down: '🔴', up: '🟢', degraded: '🟠' };
const FLAPPING_EMOJI = '🟣';
/** The paid period ends soon, or has ended. */
const EXPIRING_EMOJI = '⏳';
const EXPIRED_EMOJI = '⌛';
/** A test alert is no state: it gets its own emoji, so it is never read as one. */
const TEST_EMOJI = '🧪';

export function catalogFor(language: Language): Catalog {
  // Falls back to English for a language stored before its catalog was removed.
  return (catalogs as Partial<Record<string, Catalog>>)[language] ?? en;
}

/** What a message tells people; messages without a kind are state changes. */
export function kindOf(message: AlertMessage): AlertKind {
  return message.kind ?? 'transition';
}

/** The title of a message: "🔴 My API is DOWN". */
export function renderTitle(message: AlertMessage): string {
  const c = catalogFor(message.language);
  const [emoji, words] = titleParts(c, message);
  return emoji === undefined ? words : `${emoji} ${words}`;
}

function titleParts(c: Catalog, message: AlertMessage): [emoji: string | undefined, words: string] {
  const { name, from_state: from, to_state: to } = message;
  const emoji = STATE_EMOJI[to];
  switch (kindOf(message)) {
    case 'transition':
      return [emoji, c.title(name, to, from)];
    case 'reminder':
      return [emoji, c.reminderTitle(name, stateName(c, to))];
    case 'flapping':
      return [FLAPPING_EMOJI, c.flappingTitle(name)];
    case 'stable':
      return [emoji, c.stableTitle(name, stateName(c, to))];
    case 'expiring': {
      const { days_left: days } = expiryOf(message);
      return [days > 0 ? EXPIRING_EMOJI : EXPIRED_EMOJI, c.expiringTitle(name, days)];
    }
    case 'test':
      return [TEST_EMOJI, c.testTitle(name)];
  }
}

/** An 'expiring' message's expiry; one without (which the alerter never sends) reads as ended now. */
function expiryOf(message: AlertMessage): NonNullable<AlertMessage['expiry']> {
  return message.expiry ?? { expires_at: message.check.time, days_left: 0, tier: '-' };
}

/**
 * The lines shown right under the title: that a test alert is a test, that alerts are held
 * while flapping, that they resume once stable, when the paid period ends and what follows.
 * Empty for most messages.
 */
export function renderNotices(message: AlertMessage): string[] {
  const c = catalogFor(message.language);
  const notices: string[] = [];
  switch (kindOf(message)) {
    case 'transition':
    case 'reminder':
      break;
    case 'flapping':
      notices.push(
        c.flappingNotice(message.flapping === undefined ? null : stateChanges(c, message.flapping)),
      );
      break;
    case 'stable':
      notices.push(c.stableNotice);
      break;
    case 'expiring': {
      const expiry = expiryOf(message);
      notices.push(
        c.expiringNotice(
          message.name,
          expiry.tier,
          expiry.days_left,
          formatDate(c, expiry.expires_at),
        ),
      );
      break;
    }
    case 'test':
      notices.push(c.testNotice);
      break;
  }
  return notices;
}

/** The labelled lines of a message, in order; lines that do not apply are left out. */
export function renderFields(message: AlertMessage): MessageField[] {
  const c = catalogFor(message.language);
  const fields: MessageField[] = [];
  const add = (key: LabelledKey, value: string): void => {
    fields.push({ key, label: c.labels[key], value });
  };
  const { check } = message;
  const kind = kindOf(message);
  add('subscription', message.name);
  add('target', message.target);
  if (kind === 'expiring') {
    // about billing, not health: no state, check or downtime
    const expiry = expiryOf(message);
    add('tier', expiry.tier);
    add('paidUntil', formatTime(c, expiry.expires_at));
    return fields;
  }
  // Reminders, the end of flapping and tests change nothing: they name the one current state.
  add(
    'state',
    kind === 'reminder' || kind === 'stable' || kind === 'test'
      ? stateName(c, message.to_state)
      : `${stateName(c, message.from_state)} → ${stateName(c, message.to_state)}`,
  );
  if (kind === 'flapping' && message.flapping !== undefined) {
    add('flapping', stateChanges(c, message.flapping));
  }
  if (check.error !== null || check.error_category !== null) {
    const category =
      check.error_category === null
        ? null
        : (c.errorCategories[check.error_category] ?? check.error_category);
    const error = check.error === null ? null : truncate(check.error, MAX_ERROR_CHARS);
    add('error', [category, error].filter((x) => x !== null && x !== '').join(': '));
  }
  const regions = failedRegions(c, message.regions ?? []);
  if (regions !== null) fields.push({ key: 'regions', ...regions });
  if (check.http_status !== null) add('httpStatus', String(check.http_status));
  if (check.response_time_ms !== null) add('responseTime', `${check.response_time_ms} ms`);
  // an outage confirmed by retries began before the check that confirmed it
  if (message.since !== undefined && message.since !== check.time && message.to_state === 'down') {
    add('since', formatTime(c, message.since));
  }
  add('time', formatTime(c, check.time));
  if (message.downtime_ms !== null) {
    // A reminder's downtime is still running; a recovery's is over.
    add(kind === 'reminder' ? 'downFor' : 'downtime', formatDuration(message.downtime_ms, c));
  }
  return fields;
}

/** A message in its language: title, plain text and minimal escaped HTML. */
export function render(message: AlertMessage): RenderedMessage {
  const title = renderTitle(message);
  const fields = renderFields(message);
  const notice = renderNotices(message);
  const text = [title, ...notice, '', ...fields.map((f) => `${f.label}: ${f.value}`)].join('\n');
  const html = [
    `<p><strong>${escapeHtml(title)}</strong></p>`,
    ...notice.map((n) => `<p><em>${escapeHtml(n)}</em></p>`),
    `<p>${fields.map((f) => `<strong>${escapeHtml(f.label)}:</strong> ${escapeHtml(f.value)}`).join('<br>\n')}</p>`,
  ].join('\n');
  return { title, text, html };
}

/**
 * For a subscription checked from two regions or more, of which some failed (down or
 * degraded): "Failed in 2 of 3 regions" and "eu-west (connection refused), us-east (timeout)".
 * A failed region without an error is followed by its state. Nothing for one region (a
 * self-hosted instance's only one), or when none failed.
 */
function failedRegions(
  c: Catalog,
  regions: readonly RegionResult[],
): { label: string; value: string } | null {
  if (regions.length < 2) return null;
  const failed = regions.filter((r) => r.status === 'down' || r.status === 'degraded');
  if (failed.length === 0) return null;
  const oneLine = (text: string, max: number): string =>
    truncate(text.replace(/\s+/g, ' ').trim(), max);
  const value = failed
    .map((r) => {
      const why = r.error === null || r.error.trim() === '' ? stateName(c, r.status) : r.error;
      return `${oneLine(r.region, MAX_REGION_CHARS)} (${oneLine(why, MAX_REGION_ERROR_CHARS)})`;
    })
    .join(', ');
  return {
    label: c.failedRegions(failed.length, regions.length),
    value: truncate(value, MAX_REGIONS_CHARS),
  };
}

function stateChanges(c: Catalog, flapping: NonNullable<AlertMessage['flapping']>): string {
  return c.stateChanges(flapping.transitions, formatDuration(flapping.window_minutes * 60_000, c));
}

function stateName(c: Catalog, state: string): string {
  return Object.prototype.hasOwnProperty.call(c.states, state)
    ? c.states[state as keyof Catalog['states']]
    : state;
}

/** "2024-05-01T12:00:00.000Z (1 May 2024, 12:00:00 UTC)"; an unparsable time is shown as is. */
export function formatTime(c: Catalog, iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const readable =
    `${c.date(d.getUTCDate(), c.months[d.getUTCMonth()] ?? '', d.getUTCFullYear())}, ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
  return `${d.toISOString()} (${readable})`;
}

/** "4 May 2024, 12:00 UTC": a date and time to the minute; an unparsable time is shown as is. */
export function formatDate(c: Catalog, iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${c.date(d.getUTCDate(), c.months[d.getUTCMonth()] ?? '', d.getUTCFullYear())}, ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`
  );
}

/**
 * A duration in the two largest units that apply: "45 s", "3 min 20 s", "2 h 5 min",
 * "3 d 4 h". Rounded to whole seconds; zero units after the first are left out ("3 min").
 */
export function formatDuration(ms: number, c: Catalog = en): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const parts: Array<[number, string]> = [
    [Math.floor(total / 86_400), c.units.d],
    [Math.floor((total % 86_400) / 3_600), c.units.h],
    [Math.floor((total % 3_600) / 60), c.units.min],
    [total % 60, c.units.s],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first === -1) return `0 ${c.units.s}`;
  return parts
    .slice(first, first + 2)
    .filter(([n], i) => i === 0 || n > 0)
    .map(([n, unit]) => `${n} ${unit}`)
    .join(' ');
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML bodies and attributes (email, Telegram's HTML parse mode). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/** Cuts text to at most `max` characters, marking the cut with "…". */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  // Never leave half of a surrogate pair (an emoji) at the end.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}
