export * from './channels';
export * from './fields';
export * from './schedule';
export * from './state';
export * from './targets';
export * from './tiers';
export * from './maintenance';
export * from './histogram';
