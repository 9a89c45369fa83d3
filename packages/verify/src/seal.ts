import { SigningKey, computeAddress } from 'ethers';
import {
  batchDigest,
  leafHash,
  merkleRoot,
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
 * root (EIP-712, the instance's domain) with the probe's secp256k1 key.
 */
export function createSealer(opts: {
  privateKey: string;
  instanceId: string;
  region: string;
}): Sealer {
  const key = new SigningKey(opts.privateKey);
  const address = computeAddress(key.publicKey);
  return {
    address,
    seal(records, now = Date.now()) {
      const leafHashes = records.map((r) => leafHash(r, address));
      const statement: BatchStatement = {
        root: merkleRoot(leafHashes),
        leaves: leafHashes.length,
        region: opts.region,
        sealed_at: now,
      };
      const digest = batchDigest(opts.instanceId, statement);
      const signature = key.sign(digest).serialized as Hex;
      return { ...statement, probe: address, digest, signature, leafHashes };
    },
  };
}
