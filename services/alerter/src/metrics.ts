import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type AlerterMetrics = ReturnType<typeof createMetrics>;

export function createMetrics() {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'alerter' });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    alerts: new Counter({
      name: 'lighthouse_alerts_total',
      help: 'alerts created, by type',
      labelNames: ['type'],
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'lighthouse_deliveries_total',
      help: 'delivery attempts by channel type and outcome',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
    alertLatency: new Histogram({
      name: 'lighthouse_alert_latency_seconds',
      help: 'from the state change being recorded to a channel accepting the alert',
      labelNames: ['channel'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
  };
}
