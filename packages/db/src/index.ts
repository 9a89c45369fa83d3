export * from './connection';
export * from './schema';
export * as users from './repositories/users';
export * as auth from './repositories/auth';
export * as subscriptions from './repositories/subscriptions';
export * as schedule from './repositories/schedule';
export * as results from './repositories/results';
export * as outbox from './repositories/outbox';
export * as alerts from './repositories/alerts';
export * as maintenance from './repositories/maintenance';
export * as rules from './repositories/rules';
export * as rollups from './repositories/rollups';
export * as vacuum from './repositories/vacuum';
export * as statusPages from './repositories/status-pages';
export * as history from './repositories/history';
export * as values from './repositories/values';
export * as retention from './repositories/retention';
export * as audit from './repositories/audit';
export * as payments from './repositories/payments';
export * as heartbeats from './repositories/heartbeats';
export * as instance from './repositories/instance';
export * as checkers from './repositories/checkers';
export * as storage from './repositories/storage';
export * as records from './repositories/records';
export {
  encodeCursor,
  decodeCursor,
  type Page,
  type SubscriptionFilter,
} from './repositories/subscriptions';
export type { CheckRow } from './repositories/results';
export type { AlertEventContext, AlertWithDeliveries } from './repositories/alerts';
export type { PaymentRow } from './repositories/payments';
export type { StorageReport, TimescaleJob } from './repositories/storage';
export * from './record';
