import { useState } from 'react';
import { apiRequest } from './api';
import { clearSession, loadSession, saveSession, type Session } from './session';
import { SignIn } from './SignIn';
import { SubscriptionList } from './SubscriptionList';

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);

  const signedIn = (s: Session) => {
    saveSession(s);
    setSession(s);
  };

  const signOut = async () => {
    const token = session?.token;
    clearSession();
    setSession(null);
    // the token is already forgotten here; revoking it is best effort (it may have expired)
    if (token) await apiRequest('/v1/auth/logout', { method: 'POST', token }).catch(() => {});
  };

  return (
    <>
      <header className="topbar">
        <h1 className="brand">Lighthouse</h1>
        {session && (
          <div className="account">
            <span className="address" title={session.address}>
              {shortAddress(session.address)}
            </span>
            <button type="button" className="secondary" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main">
        {session ? (
          <SubscriptionList token={session.token} onUnauthorized={() => void signOut()} />
        ) : (
          <SignIn onSignedIn={signedIn} />
        )}
      </main>
    </>
  );
}

function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
