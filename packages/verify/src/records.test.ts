import { makeMerkleTree } from '@openzeppelin/merkle-tree/dist/core';
import {
  AbiCoder,
  keccak256,
  solidityPackedKeccak256,
  toUtf8Bytes,
  TypedDataEncoder,
  Wallet,
} from 'ethers';
import { randomUUID } from 'node:crypto';
import {
  BATCH_TYPES,
  batchDigest,
  buildTreeYielding,
  leafHash,
  merkleRoot,
  multiProof,
  multiProofRoot,
  pathInTree,
  pathRoot,
  recordDomain,
  wasmKeccak,
  treeRoot,
  type CheckRecord,
  type Hex,
} from './records';
import { createSealer } from './seal';

const probe = Wallet.createRandom().address;
const record: CheckRecord = {
  subscription_id: randomUUID(),
  time: '2026-12-01T12:00:00.000Z',
  region: 'eu-west',
  status: 'down',
  http_status: 503,
  response_time_ms: 1234,
  error_category: 'http_status',
};
const hashes = (n: number): Hex[] =>
  Array.from(
    { length: n },
    (_, i) => keccak256(AbiCoder.defaultAbiCoder().encode(['uint'], [i])) as Hex,
  );

describe('verifiable records: leaves, digests, trees', () => {
  it("hashes a record as Solidity's keccak256(abi.encodePacked(...)) does", () => {
    const expected = solidityPackedKeccak256(
      ['bytes16', 'uint64', 'bytes32', 'uint8', 'uint16', 'uint32', 'bytes32', 'address'],
      [
        `0x${record.subscription_id.replace(/-/g, '')}`,
        Date.parse(record.time),
        keccak256(toUtf8Bytes('eu-west')),
        2,
        503,
        1234,
        keccak256(toUtf8Bytes('http_status')),
        probe,
      ],
    );
    expect(leafHash(record, probe)).toBe(expected);
    // nulls have their own encodings, distinct from any value
    const nulls = { ...record, http_status: null, response_time_ms: null, error_category: null };
    expect(leafHash(nulls, probe)).toBe(
      solidityPackedKeccak256(
        ['bytes16', 'uint64', 'bytes32', 'uint8', 'uint16', 'uint32', 'bytes32', 'address'],
        [
          `0x${record.subscription_id.replace(/-/g, '')}`,
          Date.parse(record.time),
          keccak256(toUtf8Bytes('eu-west')),
          2,
          0,
          0xffffffff,
          `0x${'00'.repeat(32)}`,
          probe,
        ],
      ),
    );
    // every field is in the leaf
    for (const patch of [
      { status: 'up' as const },
      { region: 'us-east' },
      { http_status: 502 },
      { response_time_ms: 1235 },
      { error_category: 'timeout' },
      { time: '2026-12-01T12:00:00.001Z' },
      { subscription_id: randomUUID() },
    ]) {
      expect(leafHash({ ...record, ...patch }, probe)).not.toBe(leafHash(record, probe));
    }
    expect(leafHash(record, Wallet.createRandom().address)).not.toBe(leafHash(record, probe));
  });

  it('hashes the same in WebAssembly as in JavaScript', async () => {
    const wasm = await wasmKeccak();
    expect(leafHash(record, probe, wasm)).toBe(leafHash(record, probe));
    const leaves = hashes(37);
    expect(merkleRoot(leaves, wasm)).toBe(makeMerkleTree(leaves)[0]);
    expect(() => treeRoot([], wasm)).toThrow(/at least one leaf/);
  });

  it('refuses what a leaf cannot hold', () => {
    expect(() => leafHash({ ...record, http_status: 70_000 }, probe)).toThrow(/http status/);
    expect(() => leafHash({ ...record, time: 'noon' }, probe)).toThrow(/not a date/);
    expect(() => leafHash({ ...record, subscription_id: 'x' }, probe)).toThrow(/not a UUID/);
  });

  it("computes the EIP-712 batch digest as ethers' TypedDataEncoder does", () => {
    const instance = randomUUID();
    const batch = {
      root: hashes(1)[0]!,
      leaves: 17,
      region: 'local',
      sealed_at: 1_765_000_000_123,
    };
    expect(batchDigest(instance, batch)).toBe(
      TypedDataEncoder.hash(recordDomain(instance), BATCH_TYPES, {
        root: batch.root,
        leaves: 17,
        region: 'local',
        sealedAt: batch.sealed_at,
      }),
    );
    expect(batchDigest(randomUUID(), batch)).not.toBe(batchDigest(instance, batch));
  });

  it("builds OpenZeppelin's tree, and its paths and multiproofs give the root back", async () => {
    for (const n of [1, 2, 3, 7, 64, 1001]) {
      const leaves = hashes(n);
      const tree = await buildTreeYielding(leaves, { chunk: 100, keccak: await wasmKeccak() });
      expect(tree).toEqual(makeMerkleTree(leaves));
      expect(tree[0]).toBe(merkleRoot(leaves));
      for (const i of [0, Math.floor(n / 2), n - 1]) {
        expect(pathRoot(leaves[i]!, pathInTree(tree, n, i))).toBe(tree[0]);
      }
      const picked = [...new Set([n - 1, 0, Math.floor(n / 3)])];
      const proof = multiProof(leaves, picked);
      expect([...proof.indices].sort((a, b) => a - b)).toEqual([...picked].sort((a, b) => a - b));
      expect(
        multiProofRoot(
          proof.indices.map((i) => leaves[i]!),
          proof,
        ),
      ).toBe(tree[0]);
      if (picked.length > 1) {
        // a leaf left out, or one changed, gives no root or another one
        expect(() =>
          multiProofRoot(
            proof.indices.slice(1).map((i) => leaves[i]!),
            proof,
          ),
        ).toThrow();
        const changed = proof.indices.map((i) => leaves[i]!);
        changed[0] = hashes(n + 1)[n]!;
        expect(multiProofRoot(changed, proof)).not.toBe(tree[0]);
      }
    }
  });

  it('seals a batch: a root over the leaves in order, signed by the probe key', async () => {
    const wallet = Wallet.createRandom();
    const instance = randomUUID();
    const sealer = await createSealer({
      privateKey: wallet.privateKey,
      instanceId: instance,
      region: 'local',
    });
    expect(sealer.address).toBe(wallet.address);
    const records = [record, { ...record, region: 'local', status: 'up' as const }];
    const sealed = sealer.seal(records, 1_765_000_000_000);
    expect(sealed.leafHashes).toEqual(records.map((r) => leafHash(r, wallet.address)));
    expect(sealed.root).toBe(merkleRoot(sealed.leafHashes));
    expect(sealed.digest).toBe(batchDigest(instance, sealed));
    const recovered = TypedDataEncoder.hash(recordDomain(instance), BATCH_TYPES, {
      root: sealed.root,
      leaves: 2,
      region: 'local',
      sealedAt: 1_765_000_000_000,
    });
    expect(recovered).toBe(sealed.digest);
    expect(wallet.signingKey.sign(sealed.digest).serialized).toBe(sealed.signature);
  });
});
