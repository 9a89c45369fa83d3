import type { Instance } from '@lighthouse/contracts';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { apiRequest } from './api';

interface Loaded {
  instance: Instance | null;
  error: string | null;
}

const InstanceContext = createContext<Loaded>({ instance: null, error: null });

/** Loads the instance once per page load, before anything that depends on the mode. */
export function InstanceProvider({ children }: { children: ReactNode }) {
  const [loaded, setLoaded] = useState<Loaded>({ instance: null, error: null });
  useEffect(() => {
    const controller = new AbortController();
    apiRequest<Instance>('/v1/instance', { signal: controller.signal }).then(
      (instance) => setLoaded({ instance, error: null }),
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setLoaded({
          instance: null,
          error: err instanceof Error ? err.message : 'Could not reach the Lighthouse API.',
        });
      },
    );
    return () => controller.abort();
  }, []);
  return <InstanceContext.Provider value={loaded}>{children}</InstanceContext.Provider>;
}

export function useInstance(): Loaded {
  return useContext(InstanceContext);
}

export const isSelfHosted = (instance: Instance | null): boolean =>
  instance?.mode === 'self-hosted';
