import {
  getMultiProof,
  makeMerkleTree,
  processMultiProof,
  processProof,
} from '@openzeppelin/merkle-tree/dist/core';
import { createKeccak } from 'hash-wasm';
import {
  getAddress,
  getBytes,
  hexlify,
  keccak256,
  toUtf8Bytes,
  TypedDataEncoder,
  type TypedDataDomain,
} from 'ethers';

export type Hex = `0x${string}`;

/** keccak256 of bytes. jsKeccak is ethers' (pure JavaScript); wasmKeccak() is ten times faster. */
export type Keccak = (data: Uint8Array) => Uint8Array;

export const jsKeccak: Keccak = (data) => getBytes(keccak256(data));

/**
 * keccak256 in WebAssembly (hash-wasm): about 1 µs a block where JavaScript's takes 11 here. The
 * checker hashes every row it writes and the scheduler every batch of an hour with it.
 */
export async function wasmKeccak(): Promise<Keccak> {
  const hasher = await createKeccak(256);
  return (data) => {
    hasher.init();
    hasher.update(data);
    return hasher.digest('binary');
  };
}
export type CheckStatus = 'up' | 'down' | 'degraded';

/** What a probe signs of one check: a row of check_history, as a Merkle leaf. */
export interface CheckRecord {
  subscription_id: string;
  /** the slot, ISO 8601 */
  time: string;
  region: string;
  status: CheckStatus;
  http_status: number | null;
  response_time_ms: number | null;
  error_category: string | null;
}

/** The signed statement about a batch (EIP-712 type `Batch`). */
export interface BatchStatement {
  /** Merkle root over the batch's leaves, in the order the checker wrote them */
  root: Hex;
  leaves: number;
  region: string;
  /** when the probe signed it, ms since the epoch */
  sealed_at: number;
}

export const BATCH_TYPES = {
  Batch: [
    { name: 'root', type: 'bytes32' },
    { name: 'leaves', type: 'uint32' },
    { name: 'region', type: 'string' },
    { name: 'sealedAt', type: 'uint64' },
  ],
};

/** A status as its leaf stores it. */
export const STATUS_CODES: Record<CheckStatus, number> = { up: 1, down: 2, degraded: 3 };
/** `http_status` null is written as 0; `response_time_ms` null as 2^32 - 1. */
const NO_RESPONSE_TIME = 0xffff_ffff;
/** bytes16 + uint64 + bytes32 + uint8 + uint16 + uint32 + bytes32 + address: one keccak block */
const LEAF_BYTES = 16 + 8 + 32 + 1 + 2 + 4 + 32 + 20;

/**
 * The EIP-712 domain of an instance's records: its id (a UUID) is the salt, so that a record
 * signed for one instance never verifies as another's.
 */
export function recordDomain(instanceId: string): TypedDataDomain {
  return { name: 'Lighthouse check records', version: '1', salt: instanceSalt(instanceId) };
}

/** An instance id (a UUID) as the bytes32 it is named by on chain and in the domain. */
export function instanceSalt(instanceId: string): Hex {
  return `0x${uuidHex(instanceId, 'instance id').padEnd(64, '0')}`;
}

function uuidHex(id: string, what: string): string {
  const hex = id.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`${what} ${JSON.stringify(id)} is not a UUID`);
  return hex;
}

const stringHashes = new Map<string, Uint8Array>();

/** keccak256 of a string's UTF-8, as EIP-712 hashes strings; zeros for null. */
function stringHash(value: string | null): Uint8Array {
  if (value === null) return new Uint8Array(32);
  let hash = stringHashes.get(value);
  if (hash === undefined) {
    hash = getBytes(keccak256(toUtf8Bytes(value)));
    // regions and error categories are a few names; anything else is not kept
    if (stringHashes.size < 1_000) stringHashes.set(value, hash);
  }
  return hash;
}

const addresses = new Map<string, Uint8Array>();

function addressBytes(address: string): Uint8Array {
  let bytes = addresses.get(address);
  if (bytes === undefined) {
    bytes = getBytes(getAddress(address));
    if (addresses.size < 1_000) addresses.set(address, bytes);
  }
  return bytes;
}

function putUint(
  out: Uint8Array,
  offset: number,
  bytes: number,
  value: number,
  what: string,
): void {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 2 ** (8 * bytes)) {
    throw new Error(`${what} ${value} does not fit in uint${8 * bytes}`);
  }
  let v = value;
  for (let i = offset + bytes - 1; i >= offset; i -= 1) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/**
 * A record's leaf: keccak256 of the packed ABI encoding (Solidity's `abi.encodePacked`) of
 * `(bytes16 subscription, uint64 slotMs, bytes32 keccak256(region), uint8 status,
 *   uint16 httpStatus, uint32 responseTimeMs, bytes32 keccak256(errorCategory), address probe)`:
 * status 1 up, 2 down, 3 degraded; http status null as 0; response time null as 2^32 - 1;
 * error category null as 32 zero bytes. 115 bytes, one keccak block: the checker hashes every
 * row it writes.
 */
export function leafHash(record: CheckRecord, probe: string, keccak: Keccak = jsKeccak): Hex {
  return hexlify(leafBytes(record, probe, keccak)) as Hex;
}

/** leafHash, as bytes. */
export function leafBytes(
  record: CheckRecord,
  probe: string,
  keccak: Keccak = jsKeccak,
): Uint8Array {
  const slot = Date.parse(record.time);
  if (Number.isNaN(slot)) throw new Error(`time ${JSON.stringify(record.time)} is not a date`);
  const status = STATUS_CODES[record.status];
  if (status === undefined)
    throw new Error(`status ${JSON.stringify(record.status)} is not a status`);
  const out = new Uint8Array(LEAF_BYTES);
  out.set(getBytes(`0x${uuidHex(record.subscription_id, 'subscription id')}`), 0);
  putUint(out, 16, 8, slot, 'slot');
  out.set(stringHash(record.region), 24);
  out[56] = status;
  putUint(out, 57, 2, record.http_status ?? 0, 'http status');
  putUint(out, 59, 4, record.response_time_ms ?? NO_RESPONSE_TIME, 'response time');
  out.set(stringHash(record.error_category), 63);
  out.set(addressBytes(probe), 95);
  return keccak(out);
}

const BATCH_TYPEHASH = getBytes(
  keccak256(toUtf8Bytes('Batch(bytes32 root,uint32 leaves,string region,uint64 sealedAt)')),
);
const domainSeparators = new Map<string, Uint8Array>();

/**
 * The digest a probe signs for a batch: EIP-712's hash of `Batch` under the instance's domain
 * (the same as ethers' TypedDataEncoder.hash, written out: the checker signs every batch).
 * It is also the batch's leaf in its hour's tree.
 */
export function batchDigest(
  instanceId: string,
  batch: BatchStatement,
  keccak: Keccak = jsKeccak,
): Hex {
  let separator = domainSeparators.get(instanceId);
  if (separator === undefined) {
    separator = getBytes(TypedDataEncoder.hashDomain(recordDomain(instanceId)));
    if (domainSeparators.size < 100) domainSeparators.set(instanceId, separator);
  }
  const struct = new Uint8Array(5 * 32);
  struct.set(BATCH_TYPEHASH, 0);
  struct.set(getBytes(batch.root), 32);
  putUint(struct, 64, 32, batch.leaves, 'leaf count');
  struct.set(stringHash(batch.region), 96);
  putUint(struct, 128, 32, batch.sealed_at, 'sealed at');
  const message = new Uint8Array(2 + 64);
  message.set([0x19, 0x01], 0);
  message.set(separator, 2);
  message.set(keccak(struct), 34);
  return hexlify(keccak(message)) as Hex;
}

/** A Merkle tree's root (OpenZeppelin's: sorted pairs, keccak256), leaves in the order given. */
export function merkleRoot(leaves: readonly Hex[], keccak: Keccak = jsKeccak): Hex {
  return hexlify(
    treeRoot(
      leaves.map((l) => getBytes(l)),
      keccak,
    ),
  ) as Hex;
}

/**
 * The root of OpenZeppelin's tree over these leaves: its array layout (leaf i at 2n - 2 - i,
 * node i over 2i + 1 and 2i + 2), worked in bytes.
 */
export function treeRoot(leaves: readonly Uint8Array[], keccak: Keccak = jsKeccak): Uint8Array {
  const n = leaves.length;
  if (n === 0) throw new Error('a Merkle tree needs at least one leaf');
  const tree = new Array<Uint8Array>(2 * n - 1);
  for (const [i, leaf] of leaves.entries()) tree[2 * n - 2 - i] = leaf;
  const pair = new Uint8Array(64);
  for (let i = n - 2; i >= 0; i -= 1)
    tree[i] = nodeHash(tree[2 * i + 1]!, tree[2 * i + 2]!, pair, keccak);
  return tree[0]!;
}

/** keccak256 of the two children, the smaller first (OpenZeppelin's sorted pairs). */
function nodeHash(a: Uint8Array, b: Uint8Array, pair: Uint8Array, keccak: Keccak): Uint8Array {
  const [lo, hi] = compareBytes(a, b) <= 0 ? [a, b] : [b, a];
  pair.set(lo, 0);
  pair.set(hi, 32);
  return keccak(pair);
}

/** Merkle tree positions: leaf i sits at tree.length - 1 - i (OpenZeppelin's layout). */
const treeIndex = (leafCount: number, i: number): number => 2 * leafCount - 2 - i;

/** A proof that `indices` (leaf positions) are in the tree of `leaves`. */
export interface MultiProof {
  /** the positions proven, in the order the proof takes their leaves */
  indices: number[];
  proof: Hex[];
  /** proofFlags as a string of 0 and 1 */
  flags: string;
}

export function multiProof(leaves: readonly Hex[], indices: readonly number[]): MultiProof {
  const tree = makeMerkleTree([...leaves]);
  const at = indices.map((i) => {
    if (!Number.isInteger(i) || i < 0 || i >= leaves.length) throw new Error(`no leaf ${i}`);
    return treeIndex(leaves.length, i);
  });
  const proof = getMultiProof(tree, at);
  // getMultiProof orders the leaves by tree position, highest first
  const order = [...at].sort((a, b) => b - a).map((t) => 2 * leaves.length - 2 - t);
  return {
    indices: order,
    proof: proof.proof as Hex[],
    flags: proof.proofFlags.map((f) => (f ? '1' : '0')).join(''),
  };
}

/** The root a multiproof gives for these leaves (in the proof's order); throws when malformed. */
export function multiProofRoot(
  leaves: readonly Hex[],
  proof: Pick<MultiProof, 'proof' | 'flags'>,
): Hex {
  if (!/^[01]*$/.test(proof.flags)) throw new Error('proof flags are not 0s and 1s');
  return processMultiProof({
    leaves: [...leaves],
    proof: [...proof.proof],
    proofFlags: [...proof.flags].map((f) => f === '1'),
  }) as Hex;
}

export function pathRoot(leaf: Hex, path: readonly Hex[]): Hex {
  return processProof(leaf, [...path]) as Hex;
}

/**
 * The same tree as merkleRoot's (OpenZeppelin's array layout, so its getProof reads it), built
 * a few thousand hashes at a time with the event loop let through in between: an hour of a big
 * instance's batches is a six-figure tree, and the scheduler must go on scheduling meanwhile.
 */
export async function buildTreeYielding(
  leaves: readonly Hex[],
  options: { chunk?: number; keccak?: Keccak } = {},
): Promise<Hex[]> {
  const n = leaves.length;
  if (n === 0) throw new Error('a Merkle tree needs at least one leaf');
  const chunk = options.chunk ?? 2_000;
  const keccak = options.keccak ?? jsKeccak;
  const tree = new Array<Uint8Array>(2 * n - 1);
  for (const [i, leaf] of leaves.entries()) tree[2 * n - 2 - i] = getBytes(leaf);
  const pair = new Uint8Array(64);
  for (let i = n - 2; i >= 0; i -= 1) {
    tree[i] = nodeHash(tree[2 * i + 1]!, tree[2 * i + 2]!, pair, keccak);
    if ((n - 2 - i) % chunk === chunk - 1) await new Promise((resolve) => setImmediate(resolve));
  }
  return tree.map((node) => hexlify(node) as Hex);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Leaf i's path in a tree built by buildTreeYielding. */
export function pathInTree(tree: readonly Hex[], leafCount: number, index: number): Hex[] {
  const path: Hex[] = [];
  for (let i = treeIndex(leafCount, index); i > 0; i = (i - 1) >> 1) {
    path.push(tree[i % 2 === 1 ? i + 1 : i - 1]!);
  }
  return path;
}
