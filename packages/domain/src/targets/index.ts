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
import { describeDnsTarget, dnsTargetSchema, maskDnsTarget, type DnsTarget } from './dns';
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
import {
  canaryTargetSchema,
  describeCanaryTarget,
  maskCanaryTarget,
  type CanaryTarget,
} from './canary';

export interface TargetType<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** The stored, returnable view: every secret masked. */
  mask(config: z.output<S>): z.output<S>;
  /** One line for alerts and lists: "GET https://example.com/health". */
  describe(config: z.output<S>): string;
}

function targetType<S extends z.ZodType>(t: TargetType<S>): TargetType<S> {
  return t;
}

/** One line per target type; later issues add tcp, dns, tls, websocket, heartbeat, canary and evm_*. */
export const targetTypes = {
  http: targetType({
    schema: httpTargetSchema,
    mask: (c: HttpTarget) => maskHttpTarget(c),
    describe: (c: HttpTarget) => describeHttpTarget(c),
  }),
  tcp: targetType({
    schema: tcpTargetSchema,
    mask: (c: TcpTarget) => maskTcpTarget(c),
    describe: (c: TcpTarget) => describeTcpTarget(c),
  }),
  dns: targetType({
    schema: dnsTargetSchema,
    mask: (c: DnsTarget) => maskDnsTarget(c),
    describe: (c: DnsTarget) => describeDnsTarget(c),
  }),
  tls: targetType({
    schema: tlsTargetSchema,
    mask: (c: TlsTarget) => maskTlsTarget(c),
    describe: (c: TlsTarget) => describeTlsTarget(c),
  }),
  websocket: targetType({
    schema: websocketTargetSchema,
    mask: (c: WebsocketTarget) => maskWebsocketTarget(c),
    describe: (c: WebsocketTarget) => describeWebsocketTarget(c),
  }),
  evm_balance: targetType({
    schema: evmBalanceTargetSchema,
    mask: (c: EvmBalanceTarget) => maskEvmBalanceTarget(c),
    describe: (c: EvmBalanceTarget) => describeEvmBalanceTarget(c),
  }),
  evm_contract: targetType({
    schema: evmContractTargetSchema,
    mask: (c: EvmContractTarget) => maskEvmContractTarget(c),
    describe: (c: EvmContractTarget) => describeEvmContractTarget(c),
  }),
  evm_rpc: targetType({
    schema: evmRpcTargetSchema,
    mask: (c: EvmRpcTarget) => maskEvmRpcTarget(c),
    describe: (c: EvmRpcTarget) => describeEvmRpcTarget(c),
  }),
  heartbeat: targetType({
    schema: heartbeatTargetSchema,
    mask: (c: HeartbeatTarget) => maskHeartbeatTarget(c),
    describe: (c: HeartbeatTarget) => describeHeartbeatTarget(c),
  }),
  canary: targetType({
    schema: canaryTargetSchema,
    mask: (c: CanaryTarget) => maskCanaryTarget(c),
    describe: (c: CanaryTarget) => describeCanaryTarget(c),
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
