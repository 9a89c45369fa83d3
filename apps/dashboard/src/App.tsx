import { useCallback, useMemo, useState } from 'react';
import { apiRequest } from './api';
import { PaymentsPage } from './payments/PaymentsPage';
import { Link, match, useLocation } from './router';
import { clearSession, loadSession, saveSession, type Session } from './session';
import { SignIn } from './SignIn';
import { StatusPageEditor } from './status-pages/StatusPageEditor';
import { StatusPagesPage } from './status-pages/StatusPagesPage';
import { SubscriptionPage } from './subscription/SubscriptionPage';
import { SubscriptionForm } from './SubscriptionForm';
import { SubscriptionList } from './SubscriptionList';
import { AuthProvider, type Auth } from './useApi';

const NAV = [
  {
    to: '/',
    label: 'Subscriptions',
    active: (p: string) => p === '/' || p.startsWith('/subscriptions'),
  },
  {
    to: '/status-pages',
    label: 'Status pages',
    active: (p: string) => p.startsWith('/status-pages'),
  },
  { to: '/payments', label: 'Payments', active: (p: string) => p.startsWith('/payments') },
];

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const location = useLocation();
  const pathname = location.split('?')[0] ?? '/';

  const signedIn = (s: Session) => {
    saveSession(s);
    setSession(s);
  };

  const signOut = useCallback(async () => {
    const token = session?.token;
    clearSession();
    setSession(null);
    // the token is already forgotten here; revoking it is best effort (it may have expired)
    if (token) await apiRequest('/v1/auth/logout', { method: 'POST', token }).catch(() => {});
  }, [session?.token]);

  const auth = useMemo<Auth | null>(
    () =>
      session && {
        token: session.token,
        address: session.address,
        onUnauthorized: () => void signOut(),
      },
    [session, signOut],
  );

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          Lighthouse
        </Link>
        {session && (
          <nav aria-label="Main">
            <ul className="nav">
              {NAV.map((item) => (
                <li key={item.to}>
                  <Link to={item.to} aria-current={item.active(pathname) ? 'page' : undefined}>
                    {item.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
        )}
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
      <main id="main" tabIndex={-1}>
        {auth ? (
          <AuthProvider auth={auth}>
            <Page pathname={pathname} />
          </AuthProvider>
        ) : (
          <SignIn onSignedIn={signedIn} />
        )}
      </main>
    </>
  );
}

function Page({ pathname }: { pathname: string }) {
  let params: Record<'id', string> | null;
  if (pathname === '/') return <SubscriptionList />;
  if (pathname === '/subscriptions/new') return <SubscriptionForm />;
  if ((params = match('/subscriptions/:id/edit', pathname))) {
    return <SubscriptionForm key={params.id} id={params.id} />;
  }
  if ((params = match('/subscriptions/:id', pathname))) {
    return <SubscriptionPage key={params.id} id={params.id} />;
  }
  if (pathname === '/status-pages') return <StatusPagesPage />;
  if (pathname === '/status-pages/new') return <StatusPageEditor />;
  if ((params = match('/status-pages/:id', pathname))) {
    return <StatusPageEditor key={params.id} id={params.id} />;
  }
  if (pathname === '/payments') return <PaymentsPage />;
  return (
    <section className="card">
      <h2>Page not found</h2>
      <p>
        There is nothing at <code>{pathname}</code>. <Link to="/">Back to your subscriptions</Link>
      </p>
    </section>
  );
}

function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}
