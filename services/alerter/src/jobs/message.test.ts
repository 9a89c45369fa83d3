import type { AlertEventContext } from '@lighthouse/db';
import { render } from '@lighthouse/channels';
import { buildMessage } from './message';

/** A down event of an HTTP subscription, as loadEventContext reads it; override any part. */
function context(overrides: Partial<AlertEventContext> = {}): AlertEventContext {
  return {
    event_id: '6b0f6c1e-0000-4000-8000-000000000001',
    kind: 'transition',
    subscription_id: '6b0f6c1e-0000-4000-8000-0000000000aa',
    from_state: 'up',
    to_state: 'down',
    slot_time: new Date('2024-05-01T12:03:00.000Z'),
    check: {},
    created_at: new Date('2024-05-01T12:03:21.000Z'),
    name: 'Checkout API',
    tier: 'pro',
    target_type: 'http',
    target_config: { url: 'https://shop.example.com/health' },
    alert_channels: [],
    language_preference: 'en',
    deleted: false,
    current_state: 'down',
    flapping_window_minutes: 30,
    expires_at: null,
    ...overrides,
  };
}

const THREE_REGIONS = [
  { region: 'ap-south', status: 'up', error: null, response_time_ms: 112 },
  { region: 'eu-west', status: 'down', error: 'connection refused', response_time_ms: null },
  { region: 'us-east', status: 'down', error: 'timeout', response_time_ms: 10_000 },
];

const downCheck = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  time: '2024-05-01T12:03:20.000Z',
  status: 'down',
  http_status: null,
  response_time_ms: null,
  error: 'connect ECONNREFUSED',
  error_category: 'connect',
  ...extra,
});

describe('buildMessage: regions', () => {
  it('carries the regions of the event, and every channel renders the failed ones', () => {
    const event = context({ check: downCheck({ regions: THREE_REGIONS }) });
    const en = buildMessage(event, { downtimeMs: null }, 'en');
    expect(en.regions).toEqual(THREE_REGIONS);
    expect(render(en).text.split('\n')).toContain(
      'Failed in 2 of 3 regions: eu-west (connection refused), us-east (timeout)',
    );
    const es = buildMessage(event, { downtimeMs: null }, 'es');
    expect(render(es).text.split('\n')).toContain(
      'Falló en 2 de 3 regiones: eu-west (connection refused), us-east (timeout)',
    );
  });

  it('carries none when the event names none, and renders nothing of one region', () => {
    expect(
      buildMessage(context({ check: downCheck() }), { downtimeMs: null }, 'en').regions,
    ).toEqual([]);
    const single = buildMessage(
      context({ check: downCheck({ regions: [THREE_REGIONS[1]] }) }),
      { downtimeMs: null },
      'es',
    );
    expect(single.regions).toEqual([THREE_REGIONS[1]]);
    expect(render(single).text).not.toMatch(/regi[oó]n|eu-west/i);
  });

  it('takes the regions of the stand-in check when the event carries none (reminders)', () => {
    const reminder = buildMessage(
      context({ kind: 'reminder', from_state: 'down' }),
      { downtimeMs: 3_900_000, check: downCheck({ regions: THREE_REGIONS }) },
      'en',
    );
    expect(reminder.regions).toEqual(THREE_REGIONS);
  });

  it('leaves out entries it cannot read, and reads missing fields as null', () => {
    const regions = [
      { region: 'ap-south', status: 'sideways', error: null, response_time_ms: 1 },
      { status: 'down', error: 'no name' },
      'eu-west',
      null,
      { region: 'eu-west', status: 'missing' },
      { region: 'us-east', status: 'down', error: 42, response_time_ms: '10' },
    ];
    const message = buildMessage(
      context({ check: downCheck({ regions }) }),
      { downtimeMs: null },
      'en',
    );
    expect(message.regions).toEqual([
      { region: 'eu-west', status: 'missing', error: null, response_time_ms: null },
      { region: 'us-east', status: 'down', error: null, response_time_ms: null },
    ]);
    expect(
      buildMessage(
        context({ check: downCheck({ regions: 'eu-west' }) }),
        { downtimeMs: null },
        'en',
      ).regions,
    ).toEqual([]);
  });
});
