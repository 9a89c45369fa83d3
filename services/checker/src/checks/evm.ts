import { performance } from 'node:perf_hooks';
import {
  guardedAgents,
  type GuardedAgents,
  type GuardedTransport,
  type Guards,
} from '@lighthouse/net';
import {
  FetchRequest,
  getBigInt,
  isError as isEthersError,
  JsonRpcProvider,
  Network,
  type FetchGetUrlFunc,
} from 'ethers';
import {
  networkClassifier,
  oneLine,
  redact,
  rootMessage,
  safeDecode,
  SHUTDOWN_MESSAGE,
  type Classified,
} from './errors';
import { basicAuthorization, IDLE_SOCKET_TIMEOUT_MS, USER_AGENT } from './http/transport';
import type { CheckContext, CheckResult, ErrorCategory } from './types';

// What evm_balance, evm_contract and evm_rpc share: a JSON-RPC session per check, over ethers'
// JsonRpcProvider whose HTTP transport is undici behind the SSRF guard, bounded by one deadline
// and the checker's shutdown signal; and one way to turn what went wrong into a result whose
// message never holds an RPC URL (they carry API keys).

/** The most of a JSON-RPC response the checker reads. */
export const MAX_RPC_RESPONSE_BYTES = 4 * 1024 * 1024;

/** The EVM checks' keep-alive agents, per guard mode, as for http (IP literals are checked per request). */
export function createRpcAgents(guards: Guards): GuardedAgents {
  return guardedAgents(
    {
      keepAliveTimeout: IDLE_SOCKET_TIMEOUT_MS,
      keepAliveMaxTimeout: IDLE_SOCKET_TIMEOUT_MS,
      // the session's deadline bounds every request
      headersTimeout: 0,
      bodyTimeout: 0,
    },
    guards,
  );
}

/** A JSON-RPC endpoint in a session. Results are checked, so a garbage answer is an error. */
export interface RpcEndpoint {
  send(method: string, params: unknown[]): Promise<unknown>;
  chainId(): Promise<bigint>;
  blockNumber(): Promise<number>;
  balance(address: string): Promise<bigint>;
  /** eth_call at the latest block; the raw return data */
  call(to: string, data: string): Promise<string>;
}

type Stop = 'timeout' | 'shutdown';

/** The answer was not what JSON-RPC promises (not JSON, no result, not a quantity, ...). */
export class MalformedResponseError extends Error {
  readonly code = 'ERR_MALFORMED_RPC_RESPONSE';
}

const STOPPED = Symbol('stopped');

/**
 * One check's JSON-RPC work: providers that send through the guarded transport, one deadline
 * (`timeout_ms`) and the checker's shutdown signal for all of them. `close()` ends it all.
 */
export class RpcSession {
  private readonly started = performance.now();
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly providers: JsonRpcProvider[] = [];
  private readonly transport: GuardedTransport;
  private stopReason: Stop | undefined;
  private readonly stopped: Promise<typeof STOPPED>;
  /** URLs and their parts that must never appear in a message */
  private readonly secrets: string[] = [];

  constructor(
    agents: GuardedAgents,
    private readonly ctx: CheckContext,
    readonly timeoutMs: number,
  ) {
    this.transport = agents.get(ctx.targetAccess);
    this.stopped = new Promise((resolve) => {
      this.controller.signal.addEventListener('abort', () => resolve(STOPPED), { once: true });
    });
    this.timer = setTimeout(() => this.stop('timeout'), timeoutMs);
    if (ctx.signal?.aborted === true) this.stop('shutdown');
    ctx.signal?.addEventListener('abort', this, { once: true });
  }

  /** The abort listener of `ctx.signal`. */
  handleEvent(): void {
    this.stop('shutdown');
  }

  private stop(reason: Stop): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.controller.abort(new Error(reason));
  }

  /** Milliseconds since the session opened. */
  elapsed(): number {
    return Math.round(performance.now() - this.started);
  }

  /** An endpoint of this session. Its URL joins the secrets kept out of every message. */
  connect(url: string): RpcEndpoint {
    this.secrets.push(...urlSecrets(url));
    const request = new FetchRequest(url);
    request.getUrlFunc = this.getUrl;
    // No retries behind the check's back: a 429 is an answer like any other.
    request.retryFunc = () => Promise.resolve(false);
    request.setThrottleParams({ maxAttempts: 1 });
    request.timeout = this.timeoutMs;
    // Only raw `send` is used, so ethers never asks the node for its network: the static
    // network only keeps it from trying. (The chain id is checked where configured.)
    const network = Network.from(0);
    const provider = new JsonRpcProvider(request, network, {
      staticNetwork: network,
      batchMaxCount: 1,
      cacheTimeout: -1,
      polling: false,
    });
    this.providers.push(provider);
    const send = (method: string, params: unknown[]): Promise<unknown> =>
      this.bounded(provider.send(method, params));
    return {
      send,
      chainId: async () => quantity(await send('eth_chainId', []), 'eth_chainId'),
      blockNumber: async () => {
        const height = quantity(await send('eth_blockNumber', []), 'eth_blockNumber');
        if (height > BigInt(Number.MAX_SAFE_INTEGER)) {
          throw new MalformedResponseError('eth_blockNumber returned an impossible height');
        }
        return Number(height);
      },
      balance: async (address) =>
        quantity(await send('eth_getBalance', [address, 'latest']), 'eth_getBalance'),
      call: async (to, data) => {
        const result = await send('eth_call', [{ to, data }, 'latest']);
        if (typeof result !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(result)) {
          throw new MalformedResponseError('eth_call returned no hex data');
        }
        return result;
      },
    };
  }

  /** ethers' transport for this session: guarded, under the deadline, size-limited. */
  private readonly getUrl: FetchGetUrlFunc = async (req) => {
    const url = new URL(req.url);
    // IP literals never reach the guard's lookup: checked here, on every request and redirect.
    this.transport.guard.assertHostAllowed(url.hostname);
    const headers: Record<string, string> = { ...req.headers, 'user-agent': USER_AGENT };
    const authorization = basicAuthorization(url);
    if (authorization !== undefined) headers.authorization = authorization;
    const response = await this.transport.agent.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: req.method === 'GET' ? 'GET' : 'POST',
      headers,
      body: req.body === null ? null : Buffer.from(req.body),
      signal: this.controller.signal,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_RPC_RESPONSE_BYTES) {
        response.body.destroy();
        throw new MalformedResponseError(
          `the response is larger than ${MAX_RPC_RESPONSE_BYTES} bytes`,
        );
      }
      chunks.push(chunk);
    }
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    return {
      statusCode: response.statusCode,
      statusMessage: '',
      headers: flat,
      body: chunks.length === 0 ? null : new Uint8Array(Buffer.concat(chunks)),
    };
  };

  /** Settles with `work`, or rejects as soon as the session is stopped (deadline, shutdown). */
  bounded<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.stopped]).then((result) => {
      if (result === STOPPED) throw new Error(this.stopReason ?? 'stopped');
      return result;
    });
  }

  /** Ends the session: its timer, its listener and every provider (pending calls reject). */
  close(): void {
    clearTimeout(this.timer);
    this.ctx.signal?.removeEventListener('abort', this);
    if (this.stopReason === undefined) this.controller.abort(new Error('check finished'));
    for (const provider of this.providers) provider.destroy();
  }

  /** A failed check: what went wrong, in one line, without any secret. */
  failure(error: unknown): CheckResult {
    const { category, message } = this.classify(error);
    return {
      status: 'down',
      response_time_ms: null,
      http_status: httpStatusOf(error),
      timings: { total: this.elapsed() },
      error_category: category,
      error_message: this.redact(message),
      body_excerpt: null,
      value: null,
      value_text: null,
    };
  }

  /** A measured result: down or degraded with a message, or up. */
  result(
    outcome: { status: CheckResult['status']; category?: ErrorCategory; message?: string },
    measured: { response_time_ms: number; value?: number | null; value_text?: string | null },
  ): CheckResult {
    return {
      status: outcome.status,
      response_time_ms: measured.response_time_ms,
      http_status: null,
      timings: { total: this.elapsed() },
      error_category: outcome.status === 'down' ? (outcome.category ?? 'assertion') : null,
      error_message:
        outcome.message === undefined
          ? null
          : this.redact(oneLine(outcome.message, Number.POSITIVE_INFINITY)),
      body_excerpt: null,
      value: measured.value ?? null,
      value_text: measured.value_text ?? null,
    };
  }

  private classify(error: unknown): Classified {
    if (this.stopReason === 'timeout') {
      return { category: 'timeout', message: `timed out after ${this.timeoutMs} ms` };
    }
    if (this.stopReason === 'shutdown') return { category: 'internal', message: SHUTDOWN_MESSAGE };
    return classifyRpcError(error);
  }

  redact(message: string): string {
    return redact(message, this.secrets);
  }
}

/** Runs `work` in a session that is closed whatever happens; a throw becomes a failed result. */
export async function withRpcSession(
  agents: GuardedAgents,
  ctx: CheckContext,
  timeoutMs: number,
  work: (session: RpcSession) => Promise<CheckResult>,
): Promise<CheckResult> {
  const session = new RpcSession(agents, ctx, timeoutMs);
  try {
    return await work(session);
  } catch (error) {
    return session.failure(error);
  } finally {
    session.close();
  }
}

/**
 * Promise.all that, when several calls fail, rejects with the first failure in list order
 * rather than the first to arrive, so a check's error message does not depend on which RPC
 * answered sooner.
 */
export async function inOrder<T extends readonly unknown[]>(calls: {
  [K in keyof T]: Promise<T[K]> | T[K];
}): Promise<T> {
  const settled = await Promise.allSettled(calls);
  const failed = settled.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map(
    (outcome) => (outcome as PromiseFulfilledResult<unknown>).value,
  ) as unknown as T;
}

/** A JSON-RPC quantity ("0x1a") as a bigint; anything else is a malformed answer. */
export function quantity(value: unknown, method: string): bigint {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(value)) {
    throw new MalformedResponseError(`${method} returned ${describeValue(value)}, not a quantity`);
  }
  return getBigInt(value);
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value;
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** The HTTP status of a refused JSON-RPC request, when the server answered with one. */
function httpStatusOf(error: unknown): number | null {
  if (!isEthersError(error, 'SERVER_ERROR')) return null;
  const status = error.response?.statusCode;
  return typeof status === 'number' && status >= 100 && status < 600 ? status : null;
}

/**
 * Why a JSON-RPC exchange failed: the network classifier, then what the node or ethers said,
 * from error codes only: ethers' own messages name the request URL, so none of them is ever
 * copied. What a node said (a JSON-RPC error, a revert reason) is kept, short and on one line.
 */
export const classifyRpcError: (error: unknown) => Classified = networkClassifier({
  after: (error) => {
    if (error instanceof MalformedResponseError) {
      return { category: 'status', message: `invalid JSON-RPC response: ${error.message}` };
    }
    if (isEthersError(error, 'SERVER_ERROR')) {
      const status = httpStatusOf(error);
      return {
        category: 'status',
        message:
          status === null
            ? 'the RPC endpoint refused the request'
            : `the RPC endpoint answered HTTP ${status}`,
      };
    }
    if (isEthersError(error, 'CALL_EXCEPTION')) {
      const reason = typeof error.reason === 'string' ? `: ${oneLine(error.reason)}` : '';
      return { category: 'status', message: `the call reverted${reason}` };
    }
    if (isEthersError(error, 'TIMEOUT')) return { category: 'timeout', message: 'timed out' };
    if (isEthersError(error, 'UNSUPPORTED_OPERATION') && error.operation === 'bodyJson') {
      return { category: 'status', message: 'invalid JSON-RPC response: the body is not JSON' };
    }
    if (isEthersError(error, 'BAD_DATA')) {
      return { category: 'status', message: `invalid JSON-RPC response: ${error.shortMessage}` };
    }
    const rpc = (error as { error?: { code?: unknown; message?: unknown } }).error;
    if (rpc !== undefined && rpc !== null && typeof rpc.message === 'string') {
      const code = typeof rpc.code === 'number' ? ` ${rpc.code}` : '';
      return { category: 'status', message: `JSON-RPC error${code}: ${oneLine(rpc.message)}` };
    }
    if (isEthersError(error, 'UNSUPPORTED_OPERATION')) {
      return { category: 'status', message: 'the RPC endpoint does not support this method' };
    }
    if (isEthersError(error, 'INVALID_ARGUMENT') || isEthersError(error, 'NUMERIC_FAULT')) {
      return { category: 'status', message: `invalid JSON-RPC response: ${error.shortMessage}` };
    }
    return undefined;
  },
  otherwise: (error, codes) => {
    const code = codes[0];
    return code === undefined
      ? { category: 'internal', message: `check failed: ${rootMessage(error)}` }
      : { category: 'connect', message: `request failed (${code})` };
  },
});

/** The URL and every part of it that could be a key: never part of a message. */
function urlSecrets(url: string): string[] {
  const secrets = [url];
  const u = URL.parse(url);
  if (u !== null) {
    secrets.push(u.toString(), u.username, u.password, safeDecode(u.password));
    for (const segment of u.pathname.split('/')) secrets.push(segment, safeDecode(segment));
    for (const [name, value] of u.searchParams) secrets.push(name, value);
    if (u.search.length > 1) secrets.push(u.search.slice(1));
  }
  // Short pieces ("v2", "eth") are not keys, and masking them would garble messages.
  return [...new Set(secrets)].filter((s) => s.length >= 8);
}

/** The median of some block heights; for an even count, the mean of the middle two, rounded down. */
export function medianHeight(heights: number[]): number | undefined {
  if (heights.length === 0) return undefined;
  const sorted = [...heights].sort((a, b) => a - b);
  const high = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const low = sorted[Math.ceil(sorted.length / 2) - 1] ?? high;
  return Math.floor((low + high) / 2);
}
