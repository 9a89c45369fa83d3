import { Contract, ContractFactory, JsonRpcProvider, Wallet } from 'ethers';
import { ANCHOR_ABI, ANCHOR_BYTECODE } from './anchor-artifact';
import { instanceSalt, type Hex } from './records';

export interface AnchorChain {
  rpcUrl: string;
  privateKey: string;
  /** the LighthouseAnchor contract's address */
  contract: string;
}

export interface AnchorReceipt {
  chain_id: number;
  tx_hash: Hex;
  block_number: number;
}

const RECEIPT_TIMEOUT_MS = 120_000;

/**
 * Records an hour's root on chain: `anchor(instance, hour, root)` on the instance's contract,
 * and waits for the transaction to be mined (at most two minutes). An hour the contract already
 * holds with this root is taken as done (a retry after a lost receipt); with another root it
 * throws.
 */
export async function publishAnchor(
  chain: AnchorChain,
  anchor: { instanceId: string; hour: Date; root: Hex },
): Promise<AnchorReceipt | { already: true; chain_id: number }> {
  const provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true });
  try {
    const chainId = Number((await provider.getNetwork()).chainId);
    const signer = new Wallet(chain.privateKey, provider);
    const contract = new Contract(chain.contract, ANCHOR_ABI, signer);
    const instance = instanceSalt(anchor.instanceId);
    const hour = Math.floor(anchor.hour.getTime() / 1000);
    const existing = (
      (await contract.getFunction('roots')(instance, hour)) as string
    ).toLowerCase();
    if (existing === anchor.root.toLowerCase()) return { already: true, chain_id: chainId };
    if (!/^0x0+$/.test(existing)) {
      throw new Error(
        `hour ${anchor.hour.toISOString()} is anchored on chain with another root (${existing})`,
      );
    }
    const tx = (await contract.getFunction('anchor')(instance, hour, anchor.root)) as {
      hash: string;
      wait(
        confirms?: number,
        timeout?: number,
      ): Promise<{ blockNumber: number; status: number | null } | null>;
    };
    const receipt = await tx.wait(1, RECEIPT_TIMEOUT_MS);
    if (!receipt || receipt.status !== 1) throw new Error(`anchor transaction ${tx.hash} failed`);
    return { chain_id: chainId, tx_hash: tx.hash as Hex, block_number: receipt.blockNumber };
  } finally {
    provider.destroy();
  }
}

/** Deploys a LighthouseAnchor owned by the key's account; returns its address. */
export async function deployAnchorContract(
  rpcUrl: string,
  privateKey: string,
): Promise<{ address: string; chain_id: number; tx_hash: string }> {
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
  try {
    const chainId = Number((await provider.getNetwork()).chainId);
    const factory = new ContractFactory(
      ANCHOR_ABI,
      ANCHOR_BYTECODE,
      new Wallet(privateKey, provider),
    );
    const contract = await factory.deploy();
    await contract.waitForDeployment();
    const tx = contract.deploymentTransaction();
    return { address: await contract.getAddress(), chain_id: chainId, tx_hash: tx?.hash ?? '' };
  } finally {
    provider.destroy();
  }
}
