import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { ApiError } from '../api';
import { useAuth } from '../useApi';
import './payments.css';
import { shortHex } from './tokens';
import { loadX402, type X402Module } from './load';
import type { PaymentOffer } from './x402';

/** What a refusal reason from the API means for the payer. */
const REASONS: Record<string, string> = {
  insufficient_funds: 'Your wallet does not hold enough of the token for this payment.',
  payer_mismatch: 'The payment must come from the wallet you are signed in with.',
  nonce_used: 'This signed payment was already used. Sign again to make a new one.',
  authorization_expired: 'The signature expired before the server could use it. Sign again.',
  authorization_not_yet_valid: 'The signature is not valid yet; check your computer’s clock.',
  invalid_signature: 'The server could not verify the signature.',
  wrong_amount: 'The signed amount does not match the price.',
  wrong_recipient: 'The signed payment goes to the wrong address.',
  wrong_asset: 'The signed payment is in the wrong token.',
  wrong_network: 'The signed payment is for the wrong network.',
  wrong_scheme: 'The signed payment uses a scheme the server does not take.',
  settlement_failed: 'The token contract refused the transfer; nothing was charged.',
  settlement_unavailable: 'The server could not reach the chain to settle; nothing was charged.',
  settlement_unconfirmed:
    'The payment was sent but not confirmed in time. Do not pay again: it is being reconciled.',
  payments_not_configured: 'This server does not take payments; only free tiers can be used.',
};

function reasonOf(err: ApiError): string | null {
  const details = err.details as { reason?: unknown } | undefined;
  return typeof details?.reason === 'string' ? details.reason : null;
}

function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} seconds`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} minutes`;
  return `${Math.round(seconds / 3600)} hours`;
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

type Phase = 'idle' | 'wallet' | 'server';

/**
 * The terms of a 402 answer, in plain words, with "Sign and pay": the wallet signs the exact
 * amount shown, and `onSigned` sends the request again with the payment headers. A refusal
 * (a second 402, with its reason) is shown here, with the terms it carries.
 */
export function PaymentTerms({
  error,
  action,
  onSigned,
  onCancel,
}: {
  error: ApiError;
  action: string;
  onSigned: (headers: Record<string, string>) => Promise<void>;
  onCancel: () => void;
}) {
  const { address, onUnauthorized } = useAuth();
  // the latest 402: the one given, or the refusal of a signed payment
  const [answer, setAnswer] = useState(error);
  const [phase, setPhase] = useState<Phase>('idle');
  const [failure, setFailure] = useState<{ message: string; detail?: string } | null>(null);
  // an unconfirmed settlement may still go through: paying again could pay twice
  const [locked, setLocked] = useState(false);
  // paid: the caller normally closes this now; if not, it must not offer to pay again
  const [paid, setPaid] = useState(false);
  const running = useRef(false);
  const region = useRef<HTMLElement>(null);
  const id = useId();
  // the x402 code is its own chunk; the terms are read once it is here
  const [x402, setX402] = useState<X402Module | null>(null);
  const [loadFailed, setLoadFailed] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const terms = useMemo(() => x402?.readPaymentTerms(answer) ?? null, [x402, answer]);

  useEffect(() => setAnswer(error), [error]);
  useEffect(() => region.current?.focus(), []);
  useEffect(() => {
    let live = true;
    setLoadFailed(false);
    loadX402().then(
      (module) => live && setX402(module),
      () => live && setLoadFailed(true),
    );
    return () => {
      live = false;
    };
  }, [attempt]);

  const pay = async (x402: X402Module, offer: PaymentOffer) => {
    const { PaymentSigningError, readPaymentTerms, signPayment } = x402;
    if (running.current) return;
    running.current = true;
    setFailure(null);
    try {
      setPhase('wallet');
      let headers: Record<string, string>;
      try {
        if (!window.ethereum) {
          throw new PaymentSigningError(
            'wallet',
            'No Ethereum wallet found in this browser. Enable your wallet extension, reload, and try again.',
          );
        }
        headers = await signPayment(window.ethereum, address, offer);
      } catch (err) {
        setFailure({
          message:
            err instanceof PaymentSigningError
              ? err.message
              : 'Your wallet could not sign the payment. Nothing was paid.',
        });
        return;
      }
      setPhase('server');
      try {
        await onSigned(headers);
        setPaid(true);
      } catch (err) {
        if (!(err instanceof ApiError)) {
          setFailure({ message: 'The payment could not be completed. Try again.' });
          return;
        }
        if (err.status === 401) {
          onUnauthorized();
          return;
        }
        const reason = reasonOf(err);
        if (reason === 'settlement_unconfirmed') setLocked(true);
        if (err.status === 402 && readPaymentTerms(err).payable) setAnswer(err);
        setFailure({
          message: (reason && REASONS[reason]) ?? 'The server refused the payment.',
          detail: err.message,
        });
      }
    } finally {
      running.current = false;
      setPhase('idle');
    }
  };

  const keyDown = (event: KeyboardEvent<HTMLElement>) => {
    if (event.key === 'Escape' && phase === 'idle') {
      event.stopPropagation();
      onCancel();
    }
  };

  const busy = phase !== 'idle';
  const initialReason = terms?.reason && !failure ? REASONS[terms.reason] : undefined;

  return (
    <section
      ref={region}
      className="card pay-terms"
      role="dialog"
      aria-modal="false"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-lead`}
      tabIndex={-1}
      onKeyDown={keyDown}
    >
      <h3 id={`${id}-title`}>Payment required</h3>
      {!terms ? (
        <div id={`${id}-lead`}>
          {loadFailed ? (
            <div className="error" role="alert">
              <p>Could not load the payment code. Check your connection and try again.</p>
              <button type="button" className="secondary" onClick={() => setAttempt((n) => n + 1)}>
                Try again
              </button>
            </div>
          ) : (
            <p className="loading" role="status">
              Reading the payment terms…
            </p>
          )}
        </div>
      ) : terms.payable ? (
        <>
          <p id={`${id}-lead`}>
            {action}: <strong>{terms.offer.amount.text}</strong>. Your wallet signs a transfer of
            exactly this amount; nothing moves until the server settles it.
          </p>
          <Terms offer={terms.offer} payer={address} />
        </>
      ) : (
        <p id={`${id}-lead`}>{terms.message}</p>
      )}
      {initialReason && (
        <p className="error" role="alert">
          {initialReason}
        </p>
      )}
      {failure && (
        <div className="error" role="alert">
          <p>{failure.message}</p>
          {failure.detail && <p className="pay-detail">The server said: {failure.detail}</p>}
        </div>
      )}
      <p className="pay-progress" role="status" aria-live="polite">
        {phase === 'wallet' && 'Waiting for your wallet: check it to sign the payment…'}
        {phase === 'server' &&
          'Signed. The server is settling the payment; this takes a few seconds…'}
        {paid && !busy && 'Paid.'}
      </p>
      <div className="pay-actions">
        {x402 && terms?.payable && (
          <button
            type="button"
            onClick={() => void pay(x402, terms.offer)}
            disabled={busy || locked || paid}
            aria-busy={busy}
          >
            {busy ? 'Paying…' : 'Sign and pay'}
          </button>
        )}
        <button type="button" className="secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </section>
  );
}

function Terms({ offer, payer }: { offer: PaymentOffer; payer: string }) {
  const { token } = offer;
  return (
    <dl className="pay-facts">
      <div>
        <dt>Amount</dt>
        <dd>
          <strong>{offer.amount.text}</strong>
          {token.decimals !== null && (
            <span className="pay-muted"> ({offer.amount.atomic.toString()} base units)</span>
          )}
        </dd>
      </div>
      <div>
        <dt>Token</dt>
        <dd>
          {token.symbol} contract <code className="pay-hex">{token.address}</code>
          {!token.recognised && (
            <span className="pay-muted">
              {' '}
              (not a token this dashboard knows: check the contract address)
            </span>
          )}
        </dd>
      </div>
      <div>
        <dt>Network</dt>
        <dd>{offer.network}</dd>
      </div>
      <div>
        <dt>Pay to</dt>
        <dd>
          <code className="pay-hex">{offer.payTo}</code>
        </dd>
      </div>
      <div>
        <dt>From</dt>
        <dd>
          your signed-in wallet{' '}
          <code className="pay-hex" title={payer}>
            {shortHex(payer)}
          </code>
        </dd>
      </div>
      <div>
        <dt>What it buys</dt>
        <dd>
          {offer.description ? `${sentence(offer.description)} ` : ''}
          <span className="pay-muted">
            (<code>{offer.resource}</code>)
          </span>
        </dd>
      </div>
      <div>
        <dt>Signature valid for</dt>
        <dd>{duration(offer.validForSeconds)} after you sign</dd>
      </div>
    </dl>
  );
}
