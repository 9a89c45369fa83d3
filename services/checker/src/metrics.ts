import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Limit } from './jobs/limit';

export type CheckerMetrics = ReturnType<typeof createMetrics>;

export function createMetrics(limit?: Pick<Limit, 'running' | 'waiting'>) {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'checker' });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    checks: new Counter({
      name: 'lighthouse_checks_total',
      help: 'checks run, by target type and status',
      labelNames: ['type', 'status'],
      registers: [registry],
    }),
    checkSeconds: new Histogram({
      name: 'lighthouse_check_duration_seconds',
      help: 'probe duration by target type',
      labelNames: ['type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    scheduleLag: new Histogram({
      name: 'lighthouse_schedule_lag_seconds',
      help: 'from a slot to the start of its probe',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'lighthouse_result_batch_size',
      help: 'results written per transaction',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
      registers: [registry],
    }),
    signingSeconds: new Counter({
      name: 'lighthouse_checker_signing_seconds_total',
      help: 'CPU time spent hashing and signing result batches (verifiable records)',
      registers: [registry],
    }),
    flushSeconds: new Histogram({
      name: 'lighthouse_result_flush_seconds',
      help: 'time to write one batch of results with its state changes',
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    transitions: new Counter({
      name: 'lighthouse_state_transitions_total',
      help: 'state changes recorded',
      labelNames: ['to'],
      registers: [registry],
    }),
    probes: new Gauge({
      name: 'lighthouse_probes_in_flight',
      help: 'probes running (at most CHECKER_CONCURRENCY) and slots of taken jobs waiting for one',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        if (!limit) return;
        this.set({ state: 'running' }, limit.running());
        this.set({ state: 'waiting' }, limit.waiting());
      },
    }),
    skipped: new Counter({
      name: 'lighthouse_checks_skipped_total',
      help: 'jobs that recorded nothing: the subscription was paused, deleted or expired, or a heartbeat had not reached its first deadline',
      registers: [registry],
    }),
  };
}
