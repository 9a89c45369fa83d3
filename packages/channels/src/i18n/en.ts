import type { Catalog } from './index';

export const en: Catalog = {
  states: { up: 'up', down: 'down', degraded: 'degraded', unknown: 'unknown' },
  title(name, toState, fromState) {
    switch (toState) {
      case 'down':
        return `${name} is DOWN`;
      case 'up':
        return fromState === 'unknown' ? `${name} is UP` : `${name} is UP again`;
      case 'degraded':
        return `${name} is DEGRADED`;
      default:
        return `${name} is now ${toState}`;
    }
  },
  reminderTitle: (name, state) => `${name} is still ${state.toUpperCase()}`,
  flappingTitle: (name) => `${name} is FLAPPING`,
  stableTitle: (name, state) => `${name} is stable again (${state})`,
  stateChanges: (transitions, window) =>
    `${transitions} state ${transitions === 1 ? 'change' : 'changes'} in ${window}`,
  flappingNotice: (changes) =>
    `${changes === null ? '' : `${changes}. `}Further alerts are held until it is stable.`,
  stableNotice: 'Alerts resume.',
  expiringTitle: (name, days) =>
    days > 0 ? `${name} expires in ${days} ${days === 1 ? 'day' : 'days'}` : `${name} has EXPIRED`,
  expiringNotice: (name, tier, days, date) =>
    days > 0
      ? `${name} (${tier} tier) expires in ${days} ${days === 1 ? 'day' : 'days'}, on ${date}; renew it to keep it checked.`
      : `${name} (${tier} tier) expired on ${date}; it is no longer checked until it is renewed.`,
  testTitle: (name) => `Test alert for ${name}`,
  testNotice:
    'This is a test alert sent from Lighthouse to check this channel. Nothing has changed.',
  labels: {
    subscription: 'Subscription',
    target: 'Target',
    state: 'State',
    flapping: 'Flapping',
    error: 'Error',
    httpStatus: 'HTTP status',
    responseTime: 'Response time',
    time: 'Time',
    downtime: 'Downtime',
    downFor: 'Down for',
    since: 'Down since',
    tier: 'Tier',
    paidUntil: 'Paid until',
  },
  failedRegions: (failed, total) =>
    `Failed in ${failed} of ${total} ${total === 1 ? 'region' : 'regions'}`,
  errorCategories: {
    dns: 'DNS failure',
    connect: 'connection failed',
    tls: 'TLS error',
    timeout: 'timeout',
    status: 'unexpected status',
    assertion: 'assertion failed',
    blocked: 'blocked address',
    internal: 'internal error',
  },
  months: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
  date: (day, month, year) => `${day} ${month} ${year}`,
  units: { d: 'd', h: 'h', min: 'min', s: 's' },
};
