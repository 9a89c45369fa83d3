import { useState } from 'react';
import { ApiError } from './api';
import type { Session } from './session';
import { SignInError, signInWithWallet } from './siwe';

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const signIn = async () => {
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signInWithWallet(window.ethereum));
    } catch (err) {
      setError(
        err instanceof SignInError || err instanceof ApiError
          ? err.message
          : 'Sign-in failed unexpectedly. Try again.',
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card sign-in" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      <p>
        Sign in with your Ethereum wallet (Sign-In with Ethereum). Your wallet asks you to sign a
        message; no transaction is sent and nothing is paid.
      </p>
      <button type="button" onClick={() => void signIn()} disabled={busy} aria-busy={busy}>
        {busy ? 'Waiting for your wallet…' : 'Sign in with wallet'}
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
