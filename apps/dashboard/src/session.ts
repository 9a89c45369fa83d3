/**
 * The sign-in token. A wallet's session lives for the browser tab only (sessionStorage); the
 * owner of a self-hosted instance, who signs in with one-time links, is remembered in this
 * browser (localStorage) until the session expires or they sign out: a link per tab would be
 * a dead end.
 */
const KEY = 'lighthouse.session';

export interface Session {
  token: string;
  address: string;
  expiresAt: string;
  /** kept across tabs and restarts of the browser (a sign-in link's session) */
  remember?: boolean;
}

function read(storage: Storage): Session | null {
  try {
    const raw = storage.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Partial<Session>;
    if (
      typeof session.token !== 'string' ||
      typeof session.address !== 'string' ||
      typeof session.expiresAt !== 'string' ||
      Date.parse(session.expiresAt) <= Date.now()
    ) {
      storage.removeItem(KEY);
      return null;
    }
    return session as Session;
  } catch {
    return null;
  }
}

export function loadSession(): Session | null {
  return read(sessionStorage) ?? read(localStorage);
}

export function saveSession(session: Session): void {
  clearSession();
  (session.remember ? localStorage : sessionStorage).setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
}
