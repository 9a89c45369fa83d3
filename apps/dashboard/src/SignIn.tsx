import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from './api';
import { isSelfHosted, useInstance } from './instance';
import { navigate } from './router';
import type { Session } from './session';
import { SignInError, linkToken, signInWithLink, signInWithWallet } from './siwe';

const message = (err: unknown) =>
  err instanceof SignInError || err instanceof ApiError
    ? err.message
    : 'Sign-in failed unexpectedly. Try again.';

/**
 * The sign-in page. A self-hosted instance's owner signs in with the one-time link printed when
 * Lighthouse started (or by ./lighthouse admin-link): opening it signs in at once, and a link
 * can also be pasted here. A wallet signs in where the instance allows it: customers of a
 * service, and wallets a self-hosted owner added.
 */
export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const { instance, error: instanceError } = useInstance();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pasted, setPasted] = useState('');
  const selfHosted = isSelfHosted(instance);
  // self-hosted, a wallet is the owner's second way in: offered when this browser has one
  const wallets =
    (instance?.sign_in_methods.includes('wallet') ?? true) &&
    (!selfHosted || window.ethereum !== undefined);

  const attempt = async (how: () => Promise<Session>) => {
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await how());
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };

  const submitLink = (event: FormEvent) => {
    event.preventDefault();
    const token = linkToken(pasted);
    if (!token) {
      setError(
        'That is not a sign-in link: it ends in #token=lhl_… (./lighthouse admin-link prints one).',
      );
      return;
    }
    void attempt(() => signInWithLink(token));
  };

  return (
    <section className="card sign-in" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      {instanceError && (
        <p className="error" role="alert">
          {instanceError}
        </p>
      )}
      {selfHosted && (
        <>
          <p>
            This Lighthouse is yours. Open the sign-in link it printed when it started, or get a new
            one with <code>./lighthouse admin-link</code> (in Docker:{' '}
            <code>docker compose exec api node services/api/dist/cli.js sign-in-link</code>). Each
            link works once.
          </p>
          <form onSubmit={submitLink} className="link-form">
            <div className="field">
              <label htmlFor="sign-in-link">Sign-in link</label>
              <input
                id="sign-in-link"
                type="text"
                autoComplete="off"
                spellCheck={false}
                placeholder="http://localhost:3000/sign-in#token=lhl_…"
                value={pasted}
                onChange={(e) => setPasted(e.target.value)}
              />
            </div>
            <button type="submit" disabled={busy || pasted.trim() === ''} aria-busy={busy}>
              Sign in with the link
            </button>
          </form>
        </>
      )}
      {wallets && (
        <>
          <p>
            {selfHosted
              ? 'Added a wallet to your account? Sign in with it instead.'
              : 'Sign in with your Ethereum wallet (Sign-In with Ethereum). Your wallet asks you to sign a message; no transaction is sent and nothing is paid.'}
          </p>
          <button
            type="button"
            className={selfHosted ? 'secondary' : undefined}
            onClick={() => void attempt(() => signInWithWallet(window.ethereum))}
            disabled={busy}
            aria-busy={busy}
          >
            {busy ? 'Waiting…' : 'Sign in with wallet'}
          </button>
        </>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/**
 * `/sign-in#token=…`: the link printed at the first start. The token is read from the fragment
 * (it never reaches a server log), spent once, and wiped from the address bar.
 */
export function LinkSignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const token = linkToken(window.location.hash);
    window.history.replaceState(null, '', '/sign-in');
    if (!token) {
      setError('This page needs the whole sign-in link, ending in #token=lhl_….');
      return;
    }
    signInWithLink(token).then(
      (session) => {
        onSignedIn(session);
        navigate('/', { replace: true });
      },
      (err: unknown) => setError(message(err)),
    );
  }, [onSignedIn]);
  if (!error) {
    return (
      <p className="loading" role="status">
        Signing in…
      </p>
    );
  }
  return (
    <>
      <p className="error" role="alert">
        {error}
      </p>
      <SignIn onSignedIn={onSignedIn} />
    </>
  );
}
