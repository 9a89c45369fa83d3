import type { Account, Instance } from '@lighthouse/contracts';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { AccountPage } from './AccountPage';
import { apiRequest } from './api';
import { ConsolePage } from './console/ConsolePage';
import { InstanceProvider, useInstance } from './instance';
import { PaymentsPage } from './payments/PaymentsPage';
import { Link, match, navigate, useLocation } from './router';
import { clearSession, loadSession, saveSession, type Session } from './session';
import { LinkSignIn, SignIn } from './SignIn';
import { StatusPageEditor } from './status-pages/StatusPageEditor';
import { StatusPagesPage } from './status-pages/StatusPagesPage';
import { SubscriptionPage } from './subscription/SubscriptionPage';
import { SubscriptionForm } from './SubscriptionForm';
import { SubscriptionList } from './SubscriptionList';
import { AuthProvider, type Auth } from './useApi';

interface NavItem {
  to: string;
  label: string;
  active: (pathname: string) => boolean;
  /** shown only when this says so */
  when?: (instance: Instance | null, account: Account | null) => boolean;
}

const NAV: NavItem[] = [
  {
    to: '/',
    label: 'Subscriptions',
    active: (p) => p === '/' || p.startsWith('/subscriptions'),
  },
  {
    to: '/status-pages',
    label: 'Status pages',
    active: (p) => p.startsWith('/status-pages'),
  },
  {
    to: '/payments',
    label: 'Payments',
    active: (p) => p.startsWith('/payments'),
    // a self-hosted instance has no tiers to buy
    when: (instance) => instance?.mode === 'service',
  },
  {
    to: '/console',
    label: 'Console',
    active: (p) => p.startsWith('/console'),
    when: (_instance, account) => account?.operator === true,
  },
];

export function App() {
  return (
    <InstanceProvider>
      <Shell />
    </InstanceProvider>
  );
}

function Shell() {
  const { instance } = useInstance();
  const [session, setSession] = useState<Session | null>(loadSession);
  const [account, setAccount] = useState<Account | null>(null);
  const location = useLocation();
  const pathname = location.split('?')[0] ?? '/';
  // a sign-in link being opened (the page reads its token from the fragment)
  const [linkPage] = useState(
    () => pathname === '/sign-in' && window.location.hash.includes('token='),
  );

  const signedIn = useCallback((s: Session) => {
    saveSession(s);
    setSession(s);
    if (window.location.pathname === '/sign-in') navigate('/', { replace: true });
  }, []);

  useEffect(() => {
    setAccount(null);
    if (!session) return;
    const controller = new AbortController();
    apiRequest<Account>('/v1/account', { token: session.token, signal: controller.signal }).then(
      setAccount,
      () => {},
    );
    return () => controller.abort();
  }, [session]);

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
              {NAV.filter((item) => item.when?.(instance, account) ?? true).map((item) => (
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
            <Link to="/account" className="address" title={session.address}>
              {account?.owner ? 'Owner' : shortAddress(session.address)}
            </Link>
            <button type="button" className="secondary" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {linkPage && pathname === '/sign-in' ? (
          <LinkSignIn onSignedIn={signedIn} />
        ) : auth ? (
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
  if (pathname === '/account') return <AccountPage />;
  if (pathname === '/console' || pathname.startsWith('/console/')) {
    return <ConsolePage pathname={pathname} />;
  }
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
