import { SigningKey, computeAddress, hexlify } from 'ethers';
import {
  batchDigest,
  leafBytes,
  treeRoot,
  wasmKeccak,
  type BatchStatement,
  type CheckRecord,
  type Hex,
} from './records';

/** A batch as a probe signed it: what check_batches stores. */
export interface SealedBatch extends BatchStatement {
  probe: string;
  /** batchDigest: what was signed, and the batch's leaf in its hour's tree */
  digest: Hex;
  /** 65-byte r‖s‖v signature over the digest */
  signature: Hex;
  /** the leaves, in the order of the records given */
  leafHashes: Hex[];
}

export interface Sealer {
  /** the probe's address (checksummed) */
  address: string;
  seal(records: readonly CheckRecord[], now?: number): SealedBatch;
}

/**
 * A probe's sealer: hashes each record into a leaf, builds the batch's Merkle tree and signs its
 * root (EIP-712, the instance's domain) with the probe's secp256k1 key. Hashing is keccak in
 * WebAssembly: the checker seals every batch it writes.
 */
export async function createSealer(opts: {
  privateKey: string;
  instanceId: string;
  region: string;
}): Promise<Sealer> {
  const key = new SigningKey(opts.privateKey);
  const address = computeAddress(key.publicKey);
  const keccak = await wasmKeccak();
  return {
    address,
    seal(records, now = Date.now()) {
      const leaves = records.map((r) => leafBytes(r, address, keccak));
      const statement: BatchStatement = {
        root: hexlify(treeRoot(leaves, keccak)) as Hex,
        leaves: leaves.length,
        region: opts.region,
        sealed_at: now,
      };
      const digest = batchDigest(opts.instanceId, statement, keccak);
      const signature = key.sign(digest).serialized as Hex;
      const leafHashes = leaves.map((l) => hexlify(l) as Hex);
      return { ...statement, probe: address, digest, signature, leafHashes };
    },
  };
}
