/** The sign-in token lives for the browser tab only (sessionStorage), never in localStorage. */
const KEY = 'lighthouse.session';

export interface Session {
  token: string;
  address: string;
  expiresAt: string;
}

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Partial<Session>;
    if (
      typeof session.token !== 'string' ||
      typeof session.address !== 'string' ||
      typeof session.expiresAt !== 'string' ||
      Date.parse(session.expiresAt) <= Date.now()
    ) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    return session as Session;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
