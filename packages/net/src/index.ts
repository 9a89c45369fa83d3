export {
  BLOCKED_ADDRESS_CODE,
  BlockedAddressError,
  createSsrfGuard,
  isBlockedAddress,
  systemResolver,
  type Resolver,
  type SsrfGuard,
  type SsrfGuardOptions,
} from './ssrf';
export { guardedAgents, type GuardedAgents, type GuardedTransport } from './agents';
