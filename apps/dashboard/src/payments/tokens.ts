// What the dashboard knows about chains and tokens, to show payment terms in words rather than
// in chain ids and base units. Pure functions, and no libraries: the main bundle carries this
// file, while the x402 libraries load only when a payment is made (see x402.ts).

interface Chain {
  name: string;
  /** block explorer base URL, for links to transactions */
  explorer?: string;
}

const CHAINS: Record<number, Chain> = {
  1: { name: 'Ethereum', explorer: 'https://etherscan.io' },
  10: { name: 'OP Mainnet', explorer: 'https://optimistic.etherscan.io' },
  137: { name: 'Polygon', explorer: 'https://polygonscan.com' },
  8453: { name: 'Base', explorer: 'https://basescan.org' },
  42161: { name: 'Arbitrum One', explorer: 'https://arbiscan.io' },
  43113: { name: 'Avalanche Fuji testnet', explorer: 'https://testnet.snowtrace.io' },
  43114: { name: 'Avalanche C-Chain', explorer: 'https://snowtrace.io' },
  80002: { name: 'Polygon Amoy testnet', explorer: 'https://amoy.polygonscan.com' },
  84532: { name: 'Base Sepolia testnet', explorer: 'https://sepolia.basescan.org' },
  421614: { name: 'Arbitrum Sepolia testnet', explorer: 'https://sepolia.arbiscan.io' },
  11155111: { name: 'Sepolia testnet', explorer: 'https://sepolia.etherscan.io' },
  31337: { name: 'local development chain' },
};

/** The chain id of a CAIP-2 EVM network (`eip155:8453`), or null for anything else. */
export function chainIdOf(network: string): number | null {
  const match = /^eip155:([1-9][0-9]{0,15})$/.exec(network);
  if (!match?.[1]) return null;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) ? id : null;
}

/** "Base (chain id 8453)", or the network id as given when it is not an EVM chain. */
export function networkLabel(network: string): string {
  const id = chainIdOf(network);
  if (id === null) return network;
  const name = CHAINS[id]?.name;
  return name ? `${name} (chain id ${id})` : `chain id ${id}`;
}

/** The block explorer's page of a transaction, when the chain has a well-known explorer. */
export function transactionUrl(network: string, hash: string): string | null {
  const id = chainIdOf(network);
  const explorer = id === null ? undefined : CHAINS[id]?.explorer;
  return explorer && /^0x[0-9a-fA-F]{64}$/.test(hash) ? `${explorer}/tx/${hash}` : null;
}

/** `atomic / 10^decimals` as a plain decimal string without trailing zeros: 20000000, 6 → "20". */
export function formatUnits(atomic: bigint, decimals: number): string {
  const negative = atomic < 0n;
  const digits = (negative ? -atomic : atomic).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** A decimal string in base units ("19.5", 6 → 19500000n); null when it has too many decimals. */
export function parseUnits(value: string, decimals: number): bigint | null {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!match?.[1]) return null;
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > decimals) return null;
  return BigInt(match[1] + fraction.padEnd(decimals, '0'));
}

/** A decimal amount as the API writes it ("20.000000"), without the trailing zeros: "20". */
export function trimDecimal(value: string): string {
  return /^\d+\.\d*$/.test(value) ? value.replace(/\.?0+$/, '') || '0' : value;
}

/** "0x1234…abcd" for long hex strings (addresses, hashes); the full value belongs in a title. */
export function shortHex(value: string): string {
  return value.length > 14 ? `${value.slice(0, 6)}…${value.slice(-4)}` : value;
}
