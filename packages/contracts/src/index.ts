/**
 * The API's contract: what each route answers, written once in zod. The api derives its
 * OpenAPI document from these schemas and types its answer builders by them; the dashboard
 * imports the same types. Browser-safe: zod and the domain's pure target and channel rules.
 */
export * from './account';
export * from './alerts';
export * from './common';
export * from './components';
export * from './console';
export * from './enums';
export * from './history';
export * from './limits';
export * from './payments';
export * from './status-pages';
export * from './subscriptions';
export * from './targets';
