export * from './catalog';
export * from './connection';
export * from './jobs';
export * from './outbox';
export * from './queues';
