export * from './channels';
export * from './fields';
export * from './targets';
export * from './tiers';
