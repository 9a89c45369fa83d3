import { createGuards, type GuardedAgents, type Guards, type Resolver } from '@lighthouse/net';
import { createRpcAgents } from './evm';
import { createHttpTransport, type HttpTransport } from './http/transport';

export interface ProbeOptions {
  /** Replaces the system resolver; tests map made-up public names to loopback. */
  resolve?: Resolver;
  /** Replaces the SSRF predicate (default `isBlockedAddress` under the check's policy). */
  isBlocked?: (ip: string) => boolean;
  /** Certificate authorities to trust instead of node's bundled roots (tests use their own CA). */
  ca?: string;
  /** The local address every probe connects from (CHECKER_SOURCE_ADDRESS). */
  sourceAddress?: string | undefined;
}

/**
 * What the checks of one checker share, built once (by main.ts, or by a test) and closed once:
 * the SSRF guards, the HTTP probe's agents and TLS context (http, canary) and the JSON-RPC
 * agents (evm_*). Agents are made on first use, one per guard policy.
 */
export interface Probes {
  guards: Guards;
  /** trusted roots for the socket checks' TLS; undefined: node's bundled ones */
  ca: string | undefined;
  http: HttpTransport;
  rpc: GuardedAgents;
  /** Closes every kept socket, aborting requests still in flight (on shutdown). */
  close(): Promise<void>;
}

export function createProbes(options: ProbeOptions = {}): Probes {
  const guards = createGuards({
    resolve: options.resolve,
    isBlocked: options.isBlocked,
    localAddress: options.sourceAddress,
  });
  const http = createHttpTransport(guards, options.ca);
  const rpc = createRpcAgents(guards);
  return {
    guards,
    ca: options.ca,
    http,
    rpc,
    async close() {
      await Promise.all([http.close(), rpc.close('destroy')]);
    },
  };
}
