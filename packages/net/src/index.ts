export {
  BLOCKED_ADDRESS_CODE,
  BlockedAddressError,
  classifyAddress,
  createSsrfGuard,
  isBlockedAddress,
  systemResolver,
  type AddressClass,
  type Resolver,
  type SsrfGuard,
  type SsrfGuardOptions,
  type TargetAccess,
} from './ssrf';
export { guardedAgents, type GuardedAgents, type GuardedTransport } from './agents';
