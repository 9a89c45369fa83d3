import type { z } from 'zod';
import { describeHttpTarget, httpTargetSchema, maskHttpTarget, type HttpTarget } from './http';

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
