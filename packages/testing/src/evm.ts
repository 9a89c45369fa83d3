import { ContractFactory, HDNodeWallet, JsonRpcProvider, Network, Wallet } from 'ethers';
import type { BaseContract, ContractTransactionResponse, InterfaceAbi } from 'ethers';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { inheritedPath } from './config';

/**
 * A local EVM chain for tests: a Hardhat 2 node (`hardhat node`, Hardhat Network on EDR) as a
 * child process on 127.0.0.1, with its own chain id, automine on, and hardhat's funded dev
 * accounts. Nothing is downloaded: the node compiles nothing and runs with telemetry off
 * (CI=true, no TTY, HARDHAT_DISABLE_TELEMETRY_PROMPT) and HOME in its own temporary directory,
 * so Hardhat's global config and analytics files land there and go away with `stop()`.
 *
 * The child runs in its own process group (stop() signals the group) and also exits by itself
 * when this process goes away (an IPC channel it watches closes), as `startTimescale` does.
 */

export type Hex = `0x${string}`;

/** Hardhat's default dev mnemonic: the accounts every Hardhat node funds with 10 000 ETH. */
export const HARDHAT_MNEMONIC = 'test test test test test test test test test test test junk';

export interface EvmNode {
  /** http://127.0.0.1:<port> */
  url: string;
  chainId: number;
  /** Private keys of the funded dev accounts (hardhat's default mnemonic), 0x-prefixed. */
  accounts: Hex[];
  /** One JSON-RPC call; rejects with the node's error message. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /**
   * Automine on (every transaction mines its own block at once) or off: then transactions wait
   * in the mempool until `mine()`, or until the next block every `intervalMs` when given.
   */
  setMining(on: boolean, options?: { intervalMs?: number }): Promise<void>;
  /** Mines `blocks` blocks now (default 1). */
  mine(blocks?: number): Promise<void>;
  /** everything the node printed so far */
  output(): string;
  /** Stops the node (its whole process group) and removes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartEvmNodeOptions {
  /** default 43113 (Avalanche Fuji) */
  chainId?: number;
  /** default: a free port chosen by the node */
  port?: number;
  /** funded accounts, default 20 */
  accountCount?: number;
  /** place Multicall3 at its usual address, as on every real chain (default true) */
  multicall3?: boolean;
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const READY_LINE = /Started HTTP and WebSocket JSON-RPC server at (http:\/\/[^\s/]+)\//;

/**
 * Runs in the child (plain CommonJS, given to `node -e`): argv = [its directory, hardhat's CLI,
 * ...the CLI's args]. When the parent's IPC channel closes (a crashed test run), it removes its
 * directory and exits, so nothing is left behind.
 */
const CHILD_SCRIPT = `
const [dir, cli, ...args] = process.argv.slice(1);
process.argv = [process.argv[0], cli, ...args];
process.on('disconnect', () => {
  require('node:fs').rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
require(cli);
`;

export async function startEvmNode(options: StartEvmNodeOptions = {}): Promise<EvmNode> {
  const chainId = options.chainId ?? 43113;
  const accountCount = options.accountCount ?? 20;
  const dir = mkdtempSync(join(tmpdir(), 'lh-hardhat-'));
  const config = join(dir, 'hardhat.config.js');
  writeFileSync(
    config,
    `module.exports = ${JSON.stringify(
      {
        networks: {
          hardhat: {
            chainId,
            mining: { auto: true, interval: 0 },
            accounts: { mnemonic: HARDHAT_MNEMONIC, count: accountCount },
          },
        },
      },
      null,
      2,
    )};\n`,
  );

  const cli = require.resolve('hardhat/internal/cli/bootstrap.js');
  const args = ['node', '--config', config, '--hostname', '127.0.0.1'];
  args.push('--port', String(options.port ?? 0)); // 0: the node picks a free port and prints it
  const child = spawn(process.execPath, ['-e', CHILD_SCRIPT, dir, cli, ...args], {
    // Hardhat refuses to run unless `hardhat` resolves from the working directory to itself.
    cwd: join(__dirname, '..'),
    env: {
      PATH: inheritedPath(),
      HOME: dir,
      CI: 'true',
      HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true',
      NO_COLOR: '1',
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const onData = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-64_000);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (err) =>
    onData(Buffer.from(`cannot spawn ${process.execPath}: ${err.message}`)),
  );

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await stopGroup(child, exited);
      rmSync(dir, { recursive: true, force: true });
    })());

  let url: string;
  try {
    url = await waitForReady(child, () => output, chainId);
  } catch (err) {
    await stop();
    throw err;
  }
  const rpc = <T>(method: string, params: unknown[] = []): Promise<T> =>
    jsonRpc<T>(url, method, params);
  if (options.multicall3 ?? true) {
    try {
      await installMulticall3({ rpc });
    } catch (err) {
      await stop();
      throw err;
    }
  }
  // A forgotten stop() must not keep the test process alive; the child exits when we do.
  unref(child);

  return {
    url,
    chainId,
    accounts: devPrivateKeys(accountCount),
    rpc,
    async setMining(on, { intervalMs = 0 } = {}) {
      if (on) {
        await rpc('evm_setIntervalMining', [0]);
        await rpc('evm_setAutomine', [true]);
      } else {
        await rpc('evm_setAutomine', [false]);
        await rpc('evm_setIntervalMining', [intervalMs]);
      }
    },
    async mine(blocks = 1) {
      await rpc('hardhat_mine', [`0x${blocks.toString(16)}`]);
    },
    output: () => output,
    stop,
  };
}

async function waitForReady(
  child: ChildProcess,
  output: () => string,
  chainId: number,
): Promise<string> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const fail = (why: string): Error =>
    new Error(`hardhat node did not start: ${why}\n--- output ---\n${output().slice(-4000)}`);
  let url: string | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw fail(`it exited (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    url ??= READY_LINE.exec(output())?.[1];
    if (url) {
      const answer = await jsonRpc<string>(url, 'eth_chainId', []).catch((err: unknown) => {
        lastError = err;
        return undefined;
      });
      if (answer !== undefined) {
        if (Number(answer) !== chainId) throw fail(`eth_chainId is ${answer}, not ${chainId}`);
        return url;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw fail(`no answer to eth_chainId within ${START_TIMEOUT_MS} ms (${reason(lastError)})`);
}

async function stopGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  ref(child); // keep this process alive until the node has gone
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // the group is already gone
    }
  };
  const timer = setTimeout(() => signalGroup('SIGKILL'), STOP_TIMEOUT_MS);
  signalGroup('SIGTERM');
  await exited;
  clearTimeout(timer);
}

let rpcId = 0;

async function jsonRpc<T>(url: string, method: string, params: unknown[]): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: (rpcId += 1), method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message?: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message ?? JSON.stringify(body.error)}`);
  return body.result as T;
}

const devKeys: Hex[] = [];

/** m/44'/60'/0'/0/i of hardhat's mnemonic, derived once per process. */
function devPrivateKeys(count: number): Hex[] {
  if (devKeys.length < count) {
    const parent = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, "m/44'/60'/0'/0");
    for (let i = devKeys.length; i < count; i += 1) {
      devKeys.push(parent.deriveChild(i).privateKey as Hex);
    }
  }
  return devKeys.slice(0, count);
}

// --- Solidity -------------------------------------------------------------------------------------

export interface CompiledContract {
  abi: InterfaceAbi;
  /** creation code, for deploying */
  bytecode: Hex;
  /** runtime code, for hardhat_setCode (only usable as is when the contract has no immutables) */
  deployedBytecode: Hex;
}

/** Compiler input settings; part of the cache key. */
const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  // Paris (no PUSH0): runs on every EVM chain a test might point at, not only the newest forks.
  evmVersion: 'paris',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
};

const compiled = new Map<string, Promise<Record<string, CompiledContract>>>();

/**
 * Compiles a self-contained Solidity file (no imports) with solc-js and returns one contract.
 * Results are cached in memory and on disk under the OS temp dir, keyed by the source's sha256,
 * the compiler version and the settings, so only the first suite on a machine pays for solc.
 */
export async function compileContract(
  sourceFile: string,
  contractName: string,
): Promise<CompiledContract> {
  const source = readFileSync(sourceFile, 'utf8');
  const solcVersion = (
    JSON.parse(readFileSync(require.resolve('solc/package.json'), 'utf8')) as { version: string }
  ).version;
  const key = createHash('sha256')
    .update(JSON.stringify({ solcVersion, settings: SOLC_SETTINGS, source }))
    .digest('hex');
  let contracts = compiled.get(key);
  if (!contracts) {
    contracts = Promise.resolve().then(() => compileCached(key, basename(sourceFile), source));
    compiled.set(key, contracts);
    void contracts.catch(() => compiled.delete(key));
  }
  const contract = (await contracts)[contractName];
  if (!contract) throw new Error(`${sourceFile} has no contract ${contractName}`);
  return contract;
}

function compileCached(
  key: string,
  unitName: string,
  source: string,
): Record<string, CompiledContract> {
  const cacheDir = join(tmpdir(), 'lighthouse-solc-cache');
  const cacheFile = join(cacheDir, `${key}.json`);
  try {
    return JSON.parse(readFileSync(cacheFile, 'utf8')) as Record<string, CompiledContract>;
  } catch {
    // not cached yet (or unreadable): compile
  }
  const contracts = compileSolidity(unitName, source);
  mkdirSync(cacheDir, { recursive: true });
  // write then rename, so a parallel jest worker never reads half a file
  const partial = `${cacheFile}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(contracts));
  renameSync(partial, cacheFile);
  return contracts;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<
    string,
    Record<
      string,
      {
        abi: InterfaceAbi;
        evm: { bytecode: { object: string }; deployedBytecode: { object: string } };
      }
    >
  >;
}

function compileSolidity(unitName: string, source: string): Record<string, CompiledContract> {
  // Loaded on first use: about a second of Emscripten compiler most test files never need.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require('solc') as { compile(input: string): string };
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: 'Solidity',
        sources: { [unitName]: { content: source } },
        settings: SOLC_SETTINGS,
      }),
    ),
  ) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new Error(
      `solc: ${unitName} does not compile:\n${errors.map((e) => e.formattedMessage).join('\n')}`,
    );
  }
  const result: Record<string, CompiledContract> = {};
  for (const [name, contract] of Object.entries(output.contracts?.[unitName] ?? {})) {
    result[name] = {
      abi: contract.abi,
      bytecode: `0x${contract.evm.bytecode.object}`,
      deployedBytecode: `0x${contract.evm.deployedBytecode.object}`,
    };
  }
  return result;
}

// --- Multicall3 -----------------------------------------------------------------------------------

/** Where Multicall3 lives on (nearly) every EVM chain. */
export const MULTICALL3_ADDRESS: Hex = '0xcA11bde05977b3631167028862bE2a173976CA11';

/**
 * Places Multicall3's runtime code at {@link MULTICALL3_ADDRESS} (hardhat_setCode). Without it,
 * libraries that batch reads through it fall back or give vaguer answers than on a real chain: the
 * x402 facilitator, for one, then reports a replayed payment as `transaction_simulation_failed`
 * instead of `nonce_already_used`. `startEvmNode` does this unless told not to.
 */
export async function installMulticall3(node: Pick<EvmNode, 'rpc'>): Promise<void> {
  const { deployedBytecode } = await compileContract(MULTICALL3_SOURCE, 'Multicall3');
  await node.rpc('hardhat_setCode', [MULTICALL3_ADDRESS, deployedBytecode]);
}

const MULTICALL3_SOURCE = join(__dirname, '..', 'contracts', 'Multicall3.sol');

// --- TestUSDC -------------------------------------------------------------------------------------

/** The ERC-20 + EIP-3009 stand-in for USDC (see the contract's header). */
export const TEST_USDC_SOURCE = join(__dirname, '..', 'contracts', 'TestUSDC.sol');

export interface TestUsdc {
  address: Hex;
  abi: InterfaceAbi;
  /** the deployed contract, connected to the deployer's wallet */
  contract: BaseContract;
  /** Mints to `to` (anyone may) and waits for the block. */
  mint(to: string, amountAtomic: bigint): Promise<void>;
  balanceOf(address: string): Promise<bigint>;
}

export interface DeployTestUsdcOptions {
  /** private key of a funded account, e.g. `node.accounts[0]` */
  deployerKey: string;
  name?: string;
  version?: string;
  decimals?: number;
}

export async function deployTestUsdc(
  node: Pick<EvmNode, 'url' | 'chainId'>,
  { deployerKey, name = 'USD Coin', version = '2', decimals = 6 }: DeployTestUsdcOptions,
): Promise<TestUsdc> {
  const { abi, bytecode } = await compileContract(TEST_USDC_SOURCE, 'TestUSDC');
  const network = Network.from(node.chainId);
  const provider = new JsonRpcProvider(node.url, network, {
    staticNetwork: network,
    cacheTimeout: -1,
    pollingInterval: 100,
  });
  const deployer = new Wallet(deployerKey, provider);
  const contract = await new ContractFactory(abi, bytecode, deployer).deploy(
    name,
    version,
    decimals,
  );
  await contract.waitForDeployment();
  const address = (await contract.getAddress()) as Hex;
  return {
    address,
    abi,
    contract,
    async mint(to, amountAtomic) {
      const tx = (await contract.getFunction('mint')(
        to,
        amountAtomic,
      )) as ContractTransactionResponse;
      await tx.wait();
    },
    async balanceOf(owner) {
      return (await contract.getFunction('balanceOf')(owner)) as bigint;
    },
  };
}

type Refable = { ref?: () => void; unref?: () => void } | null | undefined;

function unref(child: ChildProcess): void {
  child.unref();
  (child.stdout as Refable)?.unref?.();
  (child.stderr as Refable)?.unref?.();
  (child.channel as Refable)?.unref?.();
}

function ref(child: ChildProcess): void {
  child.ref();
  (child.stdout as Refable)?.ref?.();
  (child.stderr as Refable)?.ref?.();
  (child.channel as Refable)?.ref?.();
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** EIP-3009's typed data: what a payer signs so that someone else may move its tokens. */
export const TRANSFER_WITH_AUTHORIZATION_TYPES = {
  TransferWithAuthorization: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' },
    { name: 'validBefore', type: 'uint256' },
    { name: 'nonce', type: 'bytes32' },
  ],
};

export interface TransferAuthorization {
  from: string;
  to: string;
  value: bigint;
  validAfter: bigint;
  validBefore: bigint;
  /** 32 bytes of hex */
  nonce: string;
}

/** The x402 "exact" EVM payment header for one signed authorization. */
export interface PaymentHeaderOptions {
  signer: Wallet;
  token: { address: string; chainId: number; name?: string; version?: string };
  authorization: TransferAuthorization;
  /** 2: PAYMENT-SIGNATURE with `accepted` (default); 1: X-PAYMENT with a v1 network name */
  version?: 1 | 2;
  /** v2: the terms the payer says it accepted */
  accepted?: Record<string, unknown>;
  /** v1: the network's v1 name */
  v1Network?: string;
}

/**
 * Signs an EIP-3009 TransferWithAuthorization with ethers and wraps it as an x402 payment
 * header (base64 JSON): for the cases a client library will not make (bad amounts, other
 * keys, v1) and for tests that must know the signature.
 */
export async function x402PaymentHeader(
  options: PaymentHeaderOptions,
): Promise<{ header: string; signature: string }> {
  const { signer, token, authorization: a } = options;
  const signature = await signer.signTypedData(
    {
      name: token.name ?? 'USD Coin',
      version: token.version ?? '2',
      chainId: token.chainId,
      verifyingContract: token.address,
    },
    TRANSFER_WITH_AUTHORIZATION_TYPES,
    a,
  );
  const payload = {
    signature,
    authorization: {
      from: a.from,
      to: a.to,
      value: a.value.toString(),
      validAfter: a.validAfter.toString(),
      validBefore: a.validBefore.toString(),
      nonce: a.nonce,
    },
  };
  const json =
    options.version === 1
      ? {
          x402Version: 1,
          scheme: 'exact',
          network: options.v1Network ?? 'avalanche-fuji',
          payload,
        }
      : { x402Version: 2, accepted: options.accepted ?? {}, payload };
  return { header: Buffer.from(JSON.stringify(json)).toString('base64'), signature };
}

// --- Counter --------------------------------------------------------------------------------------

/** A contract whose views tests steer (see the contract's header). */
export const COUNTER_SOURCE = join(__dirname, '..', 'contracts', 'Counter.sol');

export interface TestCounter {
  address: Hex;
  /** the deployed contract, connected to the deployer's wallet */
  contract: BaseContract;
  /** Sends `set`, `setPaused` or `setLabel` and waits for its block. */
  send(method: 'set' | 'setPaused' | 'setLabel', arg: bigint | boolean | string): Promise<void>;
}

export async function deployCounter(
  node: Pick<EvmNode, 'url' | 'chainId'>,
  { deployerKey, initial = 0n }: { deployerKey: string; initial?: bigint },
): Promise<TestCounter> {
  const { abi, bytecode } = await compileContract(COUNTER_SOURCE, 'Counter');
  const network = Network.from(node.chainId);
  const provider = new JsonRpcProvider(node.url, network, {
    staticNetwork: network,
    cacheTimeout: -1,
    pollingInterval: 100,
  });
  const deployer = new Wallet(deployerKey, provider);
  const contract = await new ContractFactory(abi, bytecode, deployer).deploy(initial);
  await contract.waitForDeployment();
  return {
    address: (await contract.getAddress()) as Hex,
    contract,
    async send(method, arg) {
      const tx = (await contract.getFunction(method)(arg)) as ContractTransactionResponse;
      await tx.wait();
    },
  };
}
