import { AppError } from '@lighthouse/shared';
import { HTTPFacilitatorClient } from '@x402/core/http';
import { SettleError, VerifyError, type PaymentRequirements } from '@x402/core/types';
import {
  Contract,
  JsonRpcProvider,
  NonceManager,
  Signature,
  Wallet,
  isError,
  type ContractTransactionResponse,
} from 'ethers';
import type { ApiConfig } from '../config';
import type { ReceivedPayment, X402Settings } from './x402';

export interface Settlement {
  transaction: string;
}

/**
 * Settlement failed. `settled` says whether the money may have moved: 'no' frees the
 * authorization's nonce for another try; 'unknown' keeps the claim for reconciliation.
 */
export class SettlementFailed extends Error {
  constructor(
    readonly settled: 'no' | 'unknown',
    readonly error: AppError | PaymentRefused,
  ) {
    super(error.message);
    this.name = 'SettlementFailed';
  }
}

export interface Settler {
  via: 'facilitator' | 'relayer';
  /** Checks what only the chain knows (nonce unused, funds); throws PaymentRefused or a 502. */
  verify(payment: ReceivedPayment, requirements: PaymentRequirements): Promise<void>;
  /** Moves the money; `onSubmitted` gets the transaction hash as soon as there is one. */
  settle(
    payment: ReceivedPayment,
    requirements: PaymentRequirements,
    onSubmitted: (hash: string) => Promise<void>,
  ): Promise<Settlement>;
}

/** A refusal the payer can act on: answered 402 with the terms again and the reason. */
export class PaymentRefused extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'PaymentRefused';
  }
}

const refused = (reason: string, message: string) => new PaymentRefused(reason, message);

function unreachable(what: string, err: unknown): AppError {
  return new AppError('bad_gateway', `${what}: ${describe(err)}; nothing was charged`, {
    details: { reason: 'settlement_unavailable' },
    logLevel: 'warn',
  });
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? err.message;
}

/** True when the request certainly never reached the other side. */
function neverSent(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: string }).code;
    if (
      code === 'ECONNREFUSED' ||
      code === 'ENOTFOUND' ||
      code === 'EHOSTUNREACH' ||
      code === 'EAI_AGAIN'
    ) {
      return true;
    }
  }
  return false;
}

/** Settles through an x402 facilitator's `/verify` and `/settle`. */
export function facilitatorSettler(url: string, timeoutMs: number): Settler {
  const client = new HTTPFacilitatorClient({ url: url.replace(/\/+$/, ''), timeoutMs });
  const where = `the payment facilitator at ${new URL(url).host}`;
  return {
    via: 'facilitator',
    async verify(payment, requirements) {
      let result;
      try {
        result = await client.verify(payment.asV2(requirements), requirements);
      } catch (err) {
        if (err instanceof VerifyError) {
          throw refused(err.invalidReason ?? 'invalid_payment', err.message);
        }
        throw unreachable(`${where} did not answer`, err);
      }
      if (!result.isValid) {
        throw refused(
          result.invalidReason ?? 'invalid_payment',
          result.invalidMessage ?? result.invalidReason ?? 'the facilitator refused it',
        );
      }
    },
    async settle(payment, requirements, onSubmitted) {
      let result;
      try {
        result = await client.settle(payment.asV2(requirements), requirements);
      } catch (err) {
        if (err instanceof SettleError) {
          if (err.transaction) await onSubmitted(err.transaction);
          throw new SettlementFailed(
            'no',
            refused(err.errorReason ?? 'settlement_failed', err.message),
          );
        }
        if (neverSent(err)) throw new SettlementFailed('no', unreachable(`${where} is down`, err));
        throw new SettlementFailed(
          'unknown',
          new AppError(
            'bad_gateway',
            `${where} did not confirm the settlement (${describe(err)}); its outcome is unknown, so the payment is held for reconciliation: do not pay again`,
            { details: { reason: 'settlement_unconfirmed', nonce: payment.authorization.nonce } },
          ),
        );
      }
      if (!result.success) {
        throw new SettlementFailed(
          'no',
          refused(result.errorReason ?? 'settlement_failed', result.errorMessage ?? 'not settled'),
        );
      }
      await onSubmitted(result.transaction);
      return { transaction: result.transaction };
    },
  };
}

const EIP3009_ABI = [
  'function authorizationState(address authorizer, bytes32 nonce) view returns (bool)',
  'function balanceOf(address account) view returns (uint256)',
  'function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, uint8 v, bytes32 r, bytes32 s)',
];

/**
 * Settles by sending `transferWithAuthorization` from the relayer's own key (it pays the
 * gas). Transactions from this process are numbered by one NonceManager.
 */
export function relayerSettler(
  settings: X402Settings,
  rpcUrl: string,
  privateKey: string,
  timeoutMs: number,
): Settler {
  const provider = new JsonRpcProvider(rpcUrl, Number(settings.chainId), {
    staticNetwork: true,
  });
  const signer = new NonceManager(new Wallet(privateKey, provider));
  const token = new Contract(settings.asset, EIP3009_ABI, signer);
  const where = `the chain's RPC endpoint at ${new URL(rpcUrl).host}`;
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw unreachable(`${where} did not answer`, err);
    }
  };
  return {
    via: 'relayer',
    async verify(payment) {
      const a = payment.authorization;
      const [used, balance] = await call(() =>
        Promise.all([
          token.getFunction('authorizationState')(a.from, a.nonce) as Promise<boolean>,
          token.getFunction('balanceOf')(a.from) as Promise<bigint>,
        ]),
      );
      if (used) throw refused('nonce_used', 'this authorization was already used on chain');
      if (balance < a.value) {
        throw refused('insufficient_funds', `${a.from} holds less than ${a.value} of the asset`);
      }
    },
    async settle(payment, _requirements, onSubmitted) {
      const a = payment.authorization;
      const { v, r, s } = Signature.from(payment.signature);
      let tx: ContractTransactionResponse;
      try {
        tx = (await token.getFunction('transferWithAuthorization')(
          a.from,
          a.to,
          a.value,
          a.validAfter,
          a.validBefore,
          a.nonce,
          v,
          r,
          s,
        )) as ContractTransactionResponse;
      } catch (err) {
        // nothing was sent (a revert found by gas estimation, or no answer): renumber
        signer.reset();
        if (isError(err, 'CALL_EXCEPTION')) {
          throw new SettlementFailed(
            'no',
            refused('settlement_failed', `the token refused the transfer (${err.shortMessage})`),
          );
        }
        throw new SettlementFailed('no', unreachable(`${where} did not take the transaction`, err));
      }
      const hash = tx.hash;
      await onSubmitted(hash);
      let receipt;
      try {
        receipt = await tx.wait(1, timeoutMs);
      } catch (err) {
        if (isError(err, 'CALL_EXCEPTION')) {
          throw new SettlementFailed(
            'no',
            refused('settlement_failed', `the transfer ${hash} reverted on chain`),
          );
        }
        throw new SettlementFailed(
          'unknown',
          new AppError(
            'bad_gateway',
            `the transfer ${hash} was sent but not confirmed in time (${describe(err)}); the payment is held for reconciliation: do not pay again`,
            { details: { reason: 'settlement_unconfirmed', transaction: hash } },
          ),
        );
      }
      if (!receipt || receipt.status !== 1) {
        throw new SettlementFailed(
          'no',
          refused('settlement_failed', `the transfer ${hash} reverted on chain`),
        );
      }
      return { transaction: hash };
    },
  };
}

/** The relayer when a key is configured, else the facilitator; undefined when neither is. */
export function settlerFor(config: ApiConfig, settings: X402Settings): Settler | undefined {
  if (config.X402_RELAYER_PRIVATE_KEY && config.X402_RPC_URL) {
    return relayerSettler(
      settings,
      config.X402_RPC_URL,
      config.X402_RELAYER_PRIVATE_KEY,
      config.X402_SETTLE_TIMEOUT_MS,
    );
  }
  if (config.X402_FACILITATOR_URL) {
    return facilitatorSettler(config.X402_FACILITATOR_URL, config.X402_SETTLE_TIMEOUT_MS);
  }
  return undefined;
}
