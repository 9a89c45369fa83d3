import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { apiRequest } from './api';

/** What `GET /v1/instance` says: the dashboard adapts to the mode (no prices when self-hosted). */
export interface Instance {
  mode: 'self-hosted' | 'service';
  version: string;
  sign_in_methods: ('link' | 'wallet' | 'api_key')[];
  siwe_domain: string;
  min_interval_seconds: number;
  features: {
    payments: boolean;
    tiers: boolean;
    private_targets: boolean;
    link_local_targets: boolean;
    operator_console: boolean;
    status_pages: boolean;
  };
}

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
