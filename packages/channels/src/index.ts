export * from './channels';
export { render } from './i18n';
export { verifyWebhook, WEBHOOK_TOLERANCE_SECONDS } from './channels/webhook';
export * from './settings';
