import { useEffect, useState } from 'react';

/**
 * The check types and each target's one-line description, from the contract: the domain's
 * target registry, so a check type added there shows here with no change to the dashboard.
 * The registry brings its validation rules along (zod, RE2, ethers: about 100 kB gzipped), so
 * it loads as its own chunk, beside the first page rather than in it.
 */
export type TargetsModule = typeof import('@lighthouse/contracts/targets');

let loading: Promise<TargetsModule> | null = null;
let loaded: TargetsModule | null = null;

export function loadTargets(): Promise<TargetsModule> {
  loading ??= import('@lighthouse/contracts/targets').then(
    (module) => (loaded = module),
    (err: unknown) => {
      loading = null; // a failed chunk load (network) may succeed on the next try
      throw err;
    },
  );
  return loading;
}

/** The registry once loaded, null until then: a component using it renders again when it comes. */
export function useTargets(): TargetsModule | null {
  const [module, setModule] = useState(loaded);
  useEffect(() => {
    if (module) return;
    let live = true;
    loadTargets().then(
      (m) => {
        if (live) setModule(m);
      },
      () => {
        // without it the type filter lists no types and targets go undescribed; a reload retries
      },
    );
    return () => {
      live = false;
    };
  }, [module]);
  return module;
}
