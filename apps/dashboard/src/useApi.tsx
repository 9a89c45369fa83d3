import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { ApiError } from './api';

/** What every page needs to call the API: the session's token and what to do when it is refused. */
export interface Auth {
  token: string;
  address: string;
  /** the token was refused (expired or revoked): forget it and show the sign-in page */
  onUnauthorized: () => void;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ auth, children }: { auth: Auth; children: ReactNode }) {
  return <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside AuthProvider');
  return auth;
}

/** A message for a failed request: the API's own words where it sent them. */
export function errorMessage(err: unknown, fallback: string): string {
  return err instanceof ApiError ? err.message : fallback;
}

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  /** load again; with `quiet`, keep showing the current data while it loads (polling) */
  reload: (options?: { quiet?: boolean }) => void;
}

/**
 * Loads `fetcher(token, signal)` when the token or `key` changes, aborting the previous request;
 * a 401 signs the user out. `pollMs` reloads quietly on an interval while the tab is visible.
 */
export function useApi<T>(
  fetcher: (token: string, signal: AbortSignal) => Promise<T>,
  key: string,
  options: { pollMs?: number; fallback?: string } = {},
): Loaded<T> {
  const { token, onUnauthorized } = useAuth();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const latest = useRef({ fetcher, onUnauthorized, fallback: options.fallback, quiet: false });
  latest.current = { ...latest.current, fetcher, onUnauthorized, fallback: options.fallback };

  useEffect(() => {
    const controller = new AbortController();
    const quiet = latest.current.quiet;
    latest.current.quiet = false;
    if (!quiet) setLoading(true);
    latest.current
      .fetcher(token, controller.signal)
      .then((value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setError(null);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.status === 401) {
          latest.current.onUnauthorized();
          return;
        }
        setError(errorMessage(err, latest.current.fallback ?? 'The request failed. Try again.'));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [token, key, generation]);

  const reload = useCallback((opts: { quiet?: boolean } = {}) => {
    latest.current.quiet = opts.quiet ?? false;
    setGeneration((g) => g + 1);
  }, []);

  useEffect(() => {
    if (!options.pollMs) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') reload({ quiet: true });
    }, options.pollMs);
    return () => window.clearInterval(timer);
  }, [options.pollMs, reload]);

  return { data, error, loading, reload };
}

/**
 * Runs a change (pause, delete, publish…) and reports its progress; a 401 signs the user out.
 * `run` resolves to true when the action succeeded.
 */
export function useAction() {
  const { onUnauthorized } = useAuth();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async (action: () => Promise<unknown>, fallback = 'That did not work. Try again.') => {
      setBusy(true);
      setError(null);
      try {
        await action();
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) onUnauthorized();
        else setError(errorMessage(err, fallback));
        return false;
      } finally {
        setBusy(false);
      }
    },
    [onUnauthorized],
  );
  return { busy, error, run, clearError: () => setError(null) };
}
