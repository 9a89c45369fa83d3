import type { HttpTarget } from '@lighthouse/domain';
import type { Probes } from '../probes';
import type { CheckContext, CheckRunner } from '../types';
import { exchange, type HttpExchange } from './probe';

export { MAX_BODY_BYTES } from '../assertions';
export type { HttpExchange, HttpResponse } from './probe';

export interface HttpChecker {
  run: CheckRunner<HttpTarget>;
  /** Like `run`, and keeps the final response (status, headers, body) whatever its status. */
  exchange: (config: HttpTarget, ctx: CheckContext) => Promise<HttpExchange>;
}

/**
 * The HTTP(S) check, on undici with the probes' agents (one per guard policy): every request
 * opens a connection of its own, through a connector that connects only to addresses the SSRF
 * guard checked.
 */
export function createHttpChecker(probes: Pick<Probes, 'http'>): HttpChecker {
  return {
    run: async (config, ctx) => (await exchange(probes.http, config, ctx, false)).result,
    exchange: (config, ctx) => exchange(probes.http, config, ctx, true),
  };
}
