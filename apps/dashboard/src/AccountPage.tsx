import type { Account } from '@lighthouse/contracts';
import { apiRequest } from './api';
import { isSelfHosted, useInstance } from './instance';
import { walletSignature } from './siwe';
import { ErrorText, Section, Status, formatTime } from './ui';
import { useAction, useApi, useAuth } from './useApi';

/**
 * Your account: who you are here, and the wallets that sign in to it. A self-hosted owner, who
 * signs in with links, can add a browser wallet to sign in with it instead.
 */
export function AccountPage() {
  const { token } = useAuth();
  const { instance } = useInstance();
  const loaded = useApi(
    (t, signal) => apiRequest<Account>('/v1/account', { token: t, signal }),
    'account',
    { fallback: 'Could not load your account.' },
  );
  const action = useAction();
  const account = loaded.data;

  const addWallet = () =>
    void action
      .run(async () => {
        const signed = await walletSignature(window.ethereum);
        await apiRequest('/v1/account/wallets', { method: 'POST', token, body: signed });
      }, 'Could not add the wallet.')
      .then((ok) => ok && loaded.reload());

  const removeWallet = (address: string) =>
    void action
      .run(
        () => apiRequest(`/v1/account/wallets/${address}`, { method: 'DELETE', token }),
        'Could not remove the wallet.',
      )
      .then((ok) => ok && loaded.reload());

  return (
    <section aria-labelledby="account-title">
      <h2 id="account-title">Account</h2>
      <Status
        loading={loaded.loading}
        error={loaded.error}
        retry={() => loaded.reload()}
        what="your account"
      />
      {account && (
        <>
          <Section title="Who you are" id="account-who">
            <dl className="facts">
              <dt>Account</dt>
              <dd>
                <code>{account.address}</code>
              </dd>
              <dt>Role</dt>
              <dd>
                {account.owner
                  ? 'Owner of this Lighthouse'
                  : account.operator
                    ? 'Operator'
                    : 'Customer'}
              </dd>
              {isSelfHosted(instance) && (
                <>
                  <dt>Signing in</dt>
                  <dd>
                    with one-time links (<code>./lighthouse admin-link</code>), or a wallet below
                  </dd>
                </>
              )}
            </dl>
          </Section>
          <Section title="Wallets" id="account-wallets">
            {account.wallets.length === 0 ? (
              <p>No wallet signs in to this account.</p>
            ) : (
              <ul className="plain-list">
                {account.wallets.map((w) => (
                  <li key={w.wallet_address}>
                    <code>{w.wallet_address}</code>, added {formatTime(w.created_at)}{' '}
                    <button
                      type="button"
                      className="secondary"
                      disabled={action.busy}
                      onClick={() => removeWallet(w.wallet_address)}
                    >
                      Remove
                    </button>
                  </li>
                ))}
              </ul>
            )}
            {account.signed_in_with === 'session' && (
              <p>
                <button type="button" onClick={addWallet} disabled={action.busy}>
                  Add this browser&apos;s wallet
                </button>{' '}
                <small className="hint">
                  your wallet signs a message; nothing is sent on chain
                </small>
              </p>
            )}
            <ErrorText error={action.error} />
          </Section>
        </>
      )}
    </section>
  );
}
