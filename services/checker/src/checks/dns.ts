import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import {
  normaliseDnsValue,
  parseResolver,
  type DnsRecordType,
  type DnsTarget,
} from '@lighthouse/domain';
import { classifyAddress } from '@lighthouse/net';
import { codesOf, oneLine, rootMessage, SHUTDOWN_MESSAGE, type Classified } from './errors';
import type { Probes } from './probes';
import { failure, runProbe, since } from './socket';
import type { CheckResult, CheckRunner, Timings } from './types';

/** How much of the answers a failed check keeps in `body_excerpt`. */
const ANSWERS_EXCERPT_CHARS = 1024;

/**
 * A DNS check: one query of `record_type` for `hostname`, to `resolver` (guarded like any
 * target address) or to the system's resolvers (the operator's own, not guarded). Up when
 * there is an answer and, with `expected`, when any (or all) of the expected values are among
 * the answers; extra answers are fine.
 */
export function createDnsChecker(probes: Pick<Probes, 'guards'>): CheckRunner<DnsTarget> {
  return (config, ctx) =>
    runProbe(config.timeout_ms, ctx, (finish, started) => {
      // One try, given a little longer than the probe: the probe's deadline is the one that
      // ends a query (and cancels it), with the same message as every other check's timeout.
      const resolver = new dns.Resolver({ timeout: config.timeout_ms + 1_000, tries: 1 });
      const timings = (total: number): Timings => ({ dns: total, total });
      const elapsed = (): number => since(started);
      if (config.resolver !== undefined) {
        // validated by the schema; a stored config that no longer parses is our fault
        const server = parseResolver(config.resolver);
        if (server === null) {
          finish(failure('internal', 'the stored resolver is not an address', timings(0)));
          return { cleanup: () => undefined, timings, waitingFor: () => 'nothing' };
        }
        // throws a BlockedAddressError, which the probe reports as blocked
        probes.guards(ctx.targetAccess).assertHostAllowed(server.address);
        const host = isIP(server.address) === 6 ? `[${server.address}]` : server.address;
        resolver.setServers([`${host}:${server.port}`]);
        // from the checker's source address, as every other probe (a region's own)
        const local = probes.guards(ctx.targetAccess).connectOptions.localAddress;
        if (local !== undefined) {
          if (isIP(local) === 6) resolver.setLocalAddress(undefined, local);
          else resolver.setLocalAddress(local);
        }
      }
      query(resolver, config.hostname, config.record_type).then(
        (answers) => {
          const total = elapsed();
          // public targets only (a service): the system resolver is the operator's, and its
          // answers about private addresses are not the customer's to see
          const shown =
            ctx.targetAccess === 'public' && config.resolver === undefined
              ? { ...answers, shown: answers.shown.map(hidePrivate) }
              : answers;
          finish(evaluate(config, shown, total, timings(total)));
        },
        (error: unknown) => {
          const total = elapsed();
          const { category, message } = classify(error, config);
          finish(failure(category, message, timings(total)));
        },
      );
      return {
        cleanup: () => resolver.cancel(),
        timings,
        waitingFor: () => `an answer from ${config.resolver ?? 'the system resolver'}`,
      };
    });
}

/**
 * The answers, each in the form `normaliseDnsValue` gives expected values; an MX record
 * counts as both "priority host" and "host", so either form of expected value matches it.
 */
async function query(
  resolver: dns.Resolver,
  hostname: string,
  type: DnsRecordType,
): Promise<{ shown: string[]; keys: Set<string> }> {
  const name = hostname.replace(/\.$/, '');
  const norm = (value: string): string => normaliseDnsValue(type, value) ?? value;
  switch (type) {
    case 'A':
      return plain(await resolver.resolve4(name));
    case 'AAAA':
      return plain((await resolver.resolve6(name)).map(norm));
    case 'CNAME':
      return plain((await resolver.resolveCname(name)).map(norm));
    case 'NS':
      return plain((await resolver.resolveNs(name)).map(norm));
    case 'TXT':
      return plain((await resolver.resolveTxt(name)).map((chunks) => chunks.join('')));
    case 'MX': {
      const records = await resolver.resolveMx(name);
      const shown = records.map((r) => `${r.priority} ${norm(r.exchange)}`);
      const keys = new Set([...shown, ...records.map((r) => norm(r.exchange))]);
      return { shown, keys };
    }
  }
}

/** An A or AAAA answer that is no public address, as it is shown in service mode. */
export function hidePrivate(value: string): string {
  return isIP(value) !== 0 && classifyAddress(value) !== 'public' ? '(a private address)' : value;
}

function plain(values: string[]): { shown: string[]; keys: Set<string> } {
  return { shown: values, keys: new Set(values) };
}

function evaluate(
  config: DnsTarget,
  answers: { shown: string[]; keys: Set<string> },
  total: number,
  timings: CheckResult['timings'],
): CheckResult {
  const expected = (config.expected ?? []).map(
    (v) => normaliseDnsValue(config.record_type, v) ?? v,
  );
  const found = expected.filter((v) => answers.keys.has(v));
  const passed =
    expected.length === 0 ||
    (config.match === 'all' ? found.length === expected.length : found.length > 0);
  if (passed) {
    return {
      status: 'up',
      response_time_ms: total,
      http_status: null,
      timings,
      error_category: null,
      error_message: null,
      body_excerpt: null,
    };
  }
  const missing = expected.filter((v) => !answers.keys.has(v));
  const message =
    config.match === 'all'
      ? `${config.record_type} answers lack ${list(missing)} (got ${list(answers.shown)})`
      : `no ${config.record_type} answer matches ${list(expected)} (got ${list(answers.shown)})`;
  return failure('assertion', oneLine(message, 300), timings, {
    response_time_ms: total,
    body_excerpt: answers.shown.join('\n').slice(0, ANSWERS_EXCERPT_CHARS),
  });
}

function list(values: string[]): string {
  return values.map((v) => JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)).join(', ');
}

/** c-ares' answers to a query that did not succeed. */
const DNS_ERRORS: Record<string, string> = {
  ENOTFOUND: 'no such name (NXDOMAIN)',
  ENODATA: 'no records of this type',
  ESERVFAIL: 'the server failed (SERVFAIL)',
  EREFUSED: 'the server refused the query (REFUSED)',
  ENOTIMP: 'the server does not implement the query (NOTIMP)',
  EFORMERR: 'the server could not parse the query (FORMERR)',
  EBADRESP: 'malformed response',
  ECONNREFUSED: 'could not reach the server',
  EBADNAME: 'malformed name',
  EBADFAMILY: 'unsupported address family',
  ENOMEM: 'out of memory',
};

/** c-ares' error codes (not the network classifier's: a query is no connection). */
function classify(error: unknown, config: DnsTarget): Classified {
  const [code] = codesOf(error);
  const query = `${config.record_type} ${config.hostname}`;
  if (code === 'ETIMEOUT') {
    return { category: 'timeout', message: `timed out after ${config.timeout_ms} ms (${query})` };
  }
  if (code === 'ECANCELLED') {
    return { category: 'internal', message: SHUTDOWN_MESSAGE };
  }
  if (code !== undefined && code in DNS_ERRORS) {
    return { category: 'dns', message: `${DNS_ERRORS[code]} (${code}): ${query}` };
  }
  return {
    category: 'dns',
    message: `query failed (${code ?? 'unknown'}): ${rootMessage(error)}`,
  };
}
