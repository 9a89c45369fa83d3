export * from './config';
export * from './crypto';
export * from './errors';
export * from './logger';
export * from './shutdown';
export * from './loop';
export * from './ops-server';
export * from './health';
