import type { Subscription } from '@lighthouse/contracts';
import { useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../api';
import { Link } from '../router';
import { formatTime } from '../ui';
import { errorMessage, useApi, useAuth } from '../useApi';
import { listTiers, priceLabel, renewSubscription } from './api';
import { preloadX402 } from './load';
import './payments.css';
import { PaymentTerms } from './PaymentTerms';

const DAY_MS = 86_400_000;
/** under this much time left, the expiry is shown as a warning */
const WARN_MS = 7 * DAY_MS;

export type RenewableSubscription = Pick<Subscription, 'id' | 'tier' | 'expires_at' | 'status'>;

type Step =
  | { kind: 'idle' }
  | { kind: 'asking' }
  | { kind: 'terms'; error: ApiError }
  | { kind: 'renewed'; expiresAt: string | null };

/**
 * When a paid subscription runs out, and "Renew for 30 days": the API answers 402 with its
 * terms, the user signs the payment in the wallet, and the renewal is sent again, paid.
 * A free tier never expires: one line says so.
 */
export function RenewPanel({
  subscription,
  onRenewed,
}: {
  subscription: RenewableSubscription;
  onRenewed: () => void;
}) {
  const { token, onUnauthorized } = useAuth();
  const tiers = useApi((_token, signal) => listTiers(signal), 'tiers', {
    fallback: 'Could not load the tiers.',
  });
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [error, setError] = useState<string | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const done = useRef<HTMLParagraphElement>(null);
  const id = useId();

  useEffect(() => {
    if (step.kind === 'renewed') done.current?.focus();
  }, [step.kind]);

  const tier = tiers.data?.items.find((t) => t.name === subscription.tier);
  const free =
    subscription.expires_at === null ||
    (tier !== undefined && !(Number(tier.price_usdc_per_30_days) > 0));
  if (free) {
    return (
      <p className="pay-muted pay-note">
        The {tier?.label ?? subscription.tier} tier is free: it never expires, there is nothing to
        renew.
      </p>
    );
  }
  if (tiers.data && !tier) {
    return (
      <p className="pay-muted pay-note">
        The {subscription.tier} tier is no longer offered, so it cannot be renewed; move this
        subscription to another tier instead.
      </p>
    );
  }

  const start = async () => {
    setError(null);
    setStep({ kind: 'asking' });
    preloadX402();
    try {
      // without a payment the API answers 402 with the terms
      const renewed = await renewSubscription(token, subscription.id);
      setStep({ kind: 'renewed', expiresAt: renewed.expires_at });
      onRenewed();
    } catch (err) {
      if (err instanceof ApiError && err.status === 402) {
        setStep({ kind: 'terms', error: err });
        return;
      }
      setStep({ kind: 'idle' });
      if (err instanceof ApiError && err.status === 401) onUnauthorized();
      else setError(errorMessage(err, 'Could not start the renewal. Try again.'));
    }
  };

  const paid = async (headers: Record<string, string>) => {
    const renewed = await renewSubscription(token, subscription.id, headers);
    setStep({ kind: 'renewed', expiresAt: renewed.expires_at });
    onRenewed();
  };

  const cancel = () => {
    setStep({ kind: 'idle' });
    // the dialog is gone: put focus back where the user started
    requestAnimationFrame(() => button.current?.focus());
  };

  const expires = Date.parse(subscription.expires_at ?? '');
  const left = expires - Date.now();
  const expired = subscription.status === 'expired' || !(left > 0);
  const days = Math.ceil(left / DAY_MS);
  const warn = expired || left < WARN_MS;

  return (
    <>
      <section className="card pay-renew" aria-labelledby={`${id}-title`}>
        <h3 id={`${id}-title`}>Paid period</h3>
        <p className={warn ? 'pay-expiry pay-warn' : 'pay-expiry'}>
          {expired ? (
            <>
              Expired on {formatTime(subscription.expires_at)}. Checks are stopped until you renew.
            </>
          ) : (
            <>
              Paid until {formatTime(subscription.expires_at)}:{' '}
              <strong>
                {days} {days === 1 ? 'day' : 'days'} left
              </strong>
              .
            </>
          )}
          {tier && <> Another 30 days cost {priceLabel(tier.price_usdc_per_30_days)}.</>}
        </p>
        {step.kind === 'renewed' && (
          <p ref={done} className="pay-success" role="status" tabIndex={-1}>
            Renewed: paid until {formatTime(step.expiresAt)}. The payment is listed under{' '}
            <Link to="/payments">Payments</Link>.
          </p>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {step.kind !== 'terms' && (
          <button
            ref={button}
            type="button"
            onClick={() => void start()}
            disabled={step.kind === 'asking'}
            aria-busy={step.kind === 'asking'}
          >
            {step.kind === 'asking' ? 'Asking for the price…' : 'Renew for 30 days'}
          </button>
        )}
      </section>
      {step.kind === 'terms' && (
        <PaymentTerms
          error={step.error}
          action="Renew this subscription for 30 days"
          onSigned={paid}
          onCancel={cancel}
        />
      )}
    </>
  );
}
