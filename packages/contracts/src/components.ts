import type { z } from 'zod';
import * as account from './account';
import * as alerts from './alerts';
import { apiError } from './common';
import * as console from './console';
import * as history from './history';
import * as payments from './payments';
import * as statusPages from './status-pages';
import * as subscriptions from './subscriptions';

/**
 * Every answer's schema under the name the OpenAPI document gives it
 * (`#/components/schemas/<name>`). A schema used inside another is named there by reference.
 */
export const responseSchemas = {
  Error: apiError,
  Session: account.session,
  Nonce: account.nonce,
  Tier: account.tier,
  TierList: account.tierList,
  Region: account.region,
  RegionList: account.regionList,
  Instance: account.instance,
  Account: account.account,
  Wallet: account.wallet,
  WalletList: account.walletList,
  ApiKey: account.apiKey,
  ApiKeyCreated: account.apiKeyCreated,
  ApiKeyList: account.apiKeyList,
  AuditEntry: account.auditEntry,
  AuditPage: account.auditPage,
  AlertChannel: subscriptions.alertChannel,
  Subscription: subscriptions.subscription,
  SubscriptionPage: subscriptions.subscriptionPage,
  PushToken: subscriptions.pushToken,
  MaintenanceWindow: subscriptions.maintenanceWindow,
  MaintenanceWindowList: subscriptions.maintenanceWindowList,
  Alert: alerts.alert,
  AlertDelivery: alerts.alertDelivery,
  AlertPage: alerts.alertPage,
  TestAlertResult: alerts.testAlertResult,
  TestAlertResults: alerts.testAlertResults,
  MetricsSummary: history.metricsSummary,
  Metrics: history.metrics,
  Check: history.check,
  CanaryStep: history.canaryStep,
  CheckPage: history.checkPage,
  Incident: history.incident,
  IncidentPage: history.incidentPage,
  StatusPage: statusPages.statusPage,
  StatusPagePage: statusPages.statusPagePage,
  PublicStatusPage: statusPages.publicStatusPage,
  PublicIncident: statusPages.publicIncident,
  Payment: payments.payment,
  PaymentPage: payments.paymentPage,
  ProbeResult: payments.probeResult,
  Overview: console.overview,
  ConsoleUserPage: console.consoleUserPage,
  ConsolePaymentPage: console.consolePaymentPage,
  Checker: console.checker,
  CheckerList: console.checkerList,
  ConsoleRegion: console.consoleRegion,
  ConsoleRegionList: console.consoleRegionList,
} satisfies Record<string, z.ZodType>;

export type ResponseName = keyof typeof responseSchemas;
