/** The x402 signing code and its libraries, as their own chunk: loaded on first use only. */
export type X402Module = typeof import('./x402');

let loading: Promise<X402Module> | null = null;

export function loadX402(): Promise<X402Module> {
  loading ??= import('./x402').catch((err: unknown) => {
    loading = null; // a failed chunk load (network) may succeed on the next try
    throw err;
  });
  return loading;
}

/** Start loading before the payment terms are shown, e.g. while the 402 is being asked for. */
export function preloadX402(): void {
  loadX402().catch(() => {
    // shown by PaymentTerms when it needs the module
  });
}
