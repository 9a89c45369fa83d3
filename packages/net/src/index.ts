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
export {
  createGuards,
  guardedAgents,
  type GuardedAgents,
  type GuardedTransport,
  type Guards,
} from './agents';
