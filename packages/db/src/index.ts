export * from './connection';
export * from './schema';
export * as users from './repositories/users';
export * as auth from './repositories/auth';
export * as subscriptions from './repositories/subscriptions';
export { encodeCursor, decodeCursor, type Page } from './repositories/subscriptions';
