import type { z } from 'zod';
import { describeHttpTarget, httpTargetSchema, maskHttpTarget, type HttpTarget } from './http';
import {
  describeEvmBalanceTarget,
  describeEvmContractTarget,
  describeEvmRpcTarget,
  evmBalanceTargetSchema,
  evmContractTargetSchema,
  evmRpcTargetSchema,
  maskEvmBalanceTarget,
  maskEvmContractTarget,
  maskEvmRpcTarget,
  type EvmBalanceTarget,
  type EvmContractTarget,
  type EvmRpcTarget,
} from './evm';
import {
  describeDnsTarget,
  dnsTargetSchema,
  maskDnsTarget,
  parseResolver,
  type DnsTarget,
} from './dns';
import { describeTcpTarget, maskTcpTarget, tcpTargetSchema, type TcpTarget } from './tcp';
import { describeTlsTarget, maskTlsTarget, tlsTargetSchema, type TlsTarget } from './tls';
import {
  describeWebsocketTarget,
  maskWebsocketTarget,
  websocketTargetSchema,
  type WebsocketTarget,
} from './websocket';
import {
  describeHeartbeatTarget,
  heartbeatTargetSchema,
  maskHeartbeatTarget,
  type HeartbeatTarget,
} from './heartbeat';
import { describeX402Target, maskX402Target, x402TargetSchema, type X402Target } from './x402';
import {
  canaryTargetSchema,
  describeCanaryTarget,
  hasPlaceholder,
  maskCanaryTarget,
  type CanaryTarget,
} from './canary';

/** A host a check connects to, and the field of target_config that names it. */
export interface Destination {
  /** e.g. `url`, `steps[1].url`, `reference_urls[0]` */
  field: string;
  /** a host name or an IP address (IPv6 without brackets) */
  host: string;
}

export interface TargetType<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** The stored, returnable view: every secret masked. */
  mask(config: z.output<S>): z.output<S>;
  /** One line for alerts and lists: "GET https://example.com/health". */
  describe(config: z.output<S>): string;
  /**
   * Every host the check connects to, for the SSRF guard's verdict at creation. Hosts the
   * config only templates (a canary's `{{base}}`) are left to the probe's own guard.
   */
  destinations(config: z.output<S>): Destination[];
}

/** The host of an absolute URL, brackets off an IPv6 literal; undefined when unparseable. */
export function urlHost(url: string): string | undefined {
  const host = URL.parse(url)?.hostname;
  if (!host) return undefined;
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

const at = (field: string, url: string): Destination[] => {
  const host = urlHost(url);
  return host === undefined ? [] : [{ field, host }];
};

function targetType<S extends z.ZodType>(t: TargetType<S>): TargetType<S> {
  return t;
}

/** One line per target type. */
export const targetTypes = {
  http: targetType({
    schema: httpTargetSchema,
    mask: (c: HttpTarget) => maskHttpTarget(c),
    describe: (c: HttpTarget) => describeHttpTarget(c),
    destinations: (c: HttpTarget) => at('url', c.url),
  }),
  tcp: targetType({
    schema: tcpTargetSchema,
    mask: (c: TcpTarget) => maskTcpTarget(c),
    describe: (c: TcpTarget) => describeTcpTarget(c),
    destinations: (c: TcpTarget) => [{ field: 'host', host: c.host }],
  }),
  dns: targetType({
    schema: dnsTargetSchema,
    mask: (c: DnsTarget) => maskDnsTarget(c),
    describe: (c: DnsTarget) => describeDnsTarget(c),
    destinations: (c: DnsTarget) => {
      const server = c.resolver === undefined ? null : parseResolver(c.resolver);
      return server === null ? [] : [{ field: 'resolver', host: server.address }];
    },
  }),
  tls: targetType({
    schema: tlsTargetSchema,
    mask: (c: TlsTarget) => maskTlsTarget(c),
    describe: (c: TlsTarget) => describeTlsTarget(c),
    destinations: (c: TlsTarget) => [{ field: 'host', host: c.host }],
  }),
  websocket: targetType({
    schema: websocketTargetSchema,
    mask: (c: WebsocketTarget) => maskWebsocketTarget(c),
    describe: (c: WebsocketTarget) => describeWebsocketTarget(c),
    destinations: (c: WebsocketTarget) => at('url', c.url),
  }),
  evm_balance: targetType({
    schema: evmBalanceTargetSchema,
    mask: (c: EvmBalanceTarget) => maskEvmBalanceTarget(c),
    describe: (c: EvmBalanceTarget) => describeEvmBalanceTarget(c),
    destinations: (c: EvmBalanceTarget) => at('rpc_url', c.rpc_url),
  }),
  evm_contract: targetType({
    schema: evmContractTargetSchema,
    mask: (c: EvmContractTarget) => maskEvmContractTarget(c),
    describe: (c: EvmContractTarget) => describeEvmContractTarget(c),
    destinations: (c: EvmContractTarget) => at('rpc_url', c.rpc_url),
  }),
  evm_rpc: targetType({
    schema: evmRpcTargetSchema,
    mask: (c: EvmRpcTarget) => maskEvmRpcTarget(c),
    describe: (c: EvmRpcTarget) => describeEvmRpcTarget(c),
    destinations: (c: EvmRpcTarget) => [
      ...at('rpc_url', c.rpc_url),
      ...c.reference_urls.flatMap((url, i) => at(`reference_urls[${i}]`, url)),
    ],
  }),
  heartbeat: targetType({
    schema: heartbeatTargetSchema,
    mask: (c: HeartbeatTarget) => maskHeartbeatTarget(c),
    describe: (c: HeartbeatTarget) => describeHeartbeatTarget(c),
    destinations: () => [],
  }),
  canary: targetType({
    schema: canaryTargetSchema,
    mask: (c: CanaryTarget) => maskCanaryTarget(c),
    describe: (c: CanaryTarget) => describeCanaryTarget(c),
    // a step whose host is a placeholder is known only when the flow runs
    destinations: (c: CanaryTarget) =>
      c.steps.flatMap((step, i) =>
        hasPlaceholder(step.url) ? [] : at(`steps[${i}].url`, step.url),
      ),
  }),
  x402: targetType({
    schema: x402TargetSchema,
    mask: (c: X402Target) => maskX402Target(c),
    describe: (c: X402Target) => describeX402Target(c),
    destinations: (c: X402Target) => [
      ...at('url', c.url),
      ...(c.facilitator_url === undefined ? [] : at('facilitator_url', c.facilitator_url)),
      ...(c.discovery_url === undefined ? [] : at('discovery_url', c.discovery_url)),
    ],
  }),
};

export type TargetTypeName = keyof typeof targetTypes;
export const TARGET_TYPE_NAMES = Object.keys(targetTypes) as TargetTypeName[];

export function isTargetType(name: string): name is TargetTypeName {
  return Object.prototype.hasOwnProperty.call(targetTypes, name);
}

/** The returnable view of a validated target config. */
export function maskTarget(
  type: TargetTypeName,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const t = targetTypes[type] as TargetType;
  return t.mask(config) as Record<string, unknown>;
}

/** The hosts a validated target's check connects to. */
export function targetDestinations(
  type: TargetTypeName,
  config: Record<string, unknown>,
): Destination[] {
  return (targetTypes[type] as TargetType).destinations(config);
}

/** One line naming a validated target, for names and alerts. */
export function describeTarget(type: TargetTypeName, config: Record<string, unknown>): string {
  return (targetTypes[type] as TargetType).describe(config);
}

export * from './http';
export * from './dns';
export * from './tcp';
export * from './tls';
export * from './websocket';
export * from './heartbeat';
export * from './canary';
export * from './evm';
export * from './x402';
