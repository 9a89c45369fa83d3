import { REGION_PATTERN } from '@lighthouse/domain';
import { CHECKS_MAX_LIMIT, HOURLY_MAX_DAYS, RANGE_MAX_DAYS } from '../routes/history';
import { errors, idParam, listParams, ok, secured, timeParam } from './helpers';

const regionParam = (description: string) => ({
  name: 'region',
  in: 'query',
  schema: { type: 'string', pattern: REGION_PATTERN.source },
  description,
});

/** A subscription's metrics, raw checks and incidents. */
export const historyPaths = {
  '/v1/subscriptions/{id}/metrics': {
    get: {
      summary: 'Uptime, latency and coverage over a range, in UTC buckets',
      description: `Rollups serve the range; raw rows after the rollup watermark are added, so figures are fresh. from is floored and to ceiled to the bucket. Limits: 1h buckets up to ${HOURLY_MAX_DAYS} days, any range up to ${RANGE_MAX_DAYS} days.`,
      security: secured,
      parameters: [
        ...idParam,
        timeParam('from', 'ISO 8601; default to − 24 h'),
        timeParam('to', 'ISO 8601; default now'),
        {
          name: 'bucket',
          in: 'query',
          schema: { type: 'string', enum: ['1h', '1d'] },
          description: '1h by default for ranges up to 7 days, else 1d',
        },
        regionParam(
          'this region’s figures; by default all regions together (each region’s checks count, and each is due once per slot)',
        ),
      ],
      responses: { '200': ok('the metrics', 'Metrics'), ...errors },
    },
  },
  '/v1/subscriptions/{id}/checks': {
    get: {
      summary: 'Raw check history, newest first',
      security: secured,
      parameters: [
        ...idParam,
        timeParam('from', 'ISO 8601, inclusive'),
        timeParam('to', 'ISO 8601, exclusive'),
        {
          name: 'limit',
          in: 'query',
          schema: { type: 'integer', minimum: 1, maximum: CHECKS_MAX_LIMIT, default: 100 },
        },
        { name: 'cursor', in: 'query', schema: { type: 'string' } },
        regionParam('this region’s checks only; by default every region’s'),
      ],
      responses: { '200': ok('{items, next_cursor}', 'CheckPage'), ...errors },
    },
  },
  '/v1/subscriptions/{id}/incidents': {
    get: {
      summary: 'Incidents, newest first',
      security: secured,
      parameters: [
        ...idParam,
        { name: 'status', in: 'query', schema: { type: 'string', enum: ['open', 'resolved'] } },
        ...listParams,
      ],
      responses: { '200': ok('{items, next_cursor}', 'IncidentPage'), ...errors },
    },
  },
};
