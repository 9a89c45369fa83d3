export * from './channels';
export { render } from './i18n';
export * from './settings';
