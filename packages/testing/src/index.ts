export * from './config';
export * from './postgres';
export * from './processes';
export * from './redis';
export * from './wallet';
export * from './timescale';
export * from './evm';
export * from './facilitator';
