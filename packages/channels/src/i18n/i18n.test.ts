import { LANGUAGES } from '@lighthouse/domain';
import {
  alertMessage,
  expiredMessage,
  expiringMessage,
  flappingMessage,
  multiRegionMessage,
  recoveryMessage,
  reminderMessage,
  singleRegionMessage,
  stableMessage,
  testMessage,
  THREE_REGIONS,
} from '../../test/fixtures';
import type { AlertMessage } from '../channels/types';
import { webhookPayload } from '../channels/webhook';
import { catalogs, escapeHtml, formatDuration, render, renderFields, truncate } from './index';

const message = alertMessage;
const recovery = (language: AlertMessage['language']): AlertMessage => recoveryMessage(language);

describe('render', () => {
  it('has a catalog for every language the API accepts', () => {
    expect(Object.keys(catalogs).sort()).toEqual([...LANGUAGES].sort());
  });

  it('renders an English outage with subscription, target, state, error and both times', () => {
    const r = render(message());
    expect(r.title).toBe('🔴 Checkout API is DOWN');
    expect(r.text).toBe(
      [
        '🔴 Checkout API is DOWN',
        '',
        'Subscription: Checkout API',
        'Target: GET https://shop.example.com/health',
        'State: up → down',
        'Error: unexpected status: expected status 2xx, got 503',
        'HTTP status: 503',
        'Response time: 87 ms',
        'Time: 2024-05-01T12:03:20.000Z (1 May 2024, 12:03:20 UTC)',
      ].join('\n'),
    );
  });

  it('renders a Spanish outage', () => {
    const r = render(message({ language: 'es' }));
    expect(r.title).toBe('🔴 Checkout API está CAÍDO');
    expect(r.text).toContain('Estado: operativo → caído');
    expect(r.text).toContain('Error: estado inesperado: expected status 2xx, got 503');
    expect(r.text).toContain('Hora: 2024-05-01T12:03:20.000Z (1 de mayo de 2024, 12:03:20 UTC)');
  });

  it('gives recoveries the downtime, in each language', () => {
    const en = render(recovery('en'));
    expect(en.title).toBe('🟢 Checkout API is UP again');
    expect(en.text).toContain('Downtime: 3 min 20 s');
    expect(en.text).not.toContain('Error');
    const es = render(recovery('es'));
    expect(es.title).toBe('🟢 Checkout API vuelve a estar OPERATIVO');
    expect(es.text).toContain('Tiempo caído: 3 min 20 s');
    expect(es.text).toContain('Estado: caído → operativo');
  });

  it('says "operativo" for up in Spanish, never "activo" (the word of the active status)', () => {
    const first = recoveryMessage('es', { from_state: 'unknown', downtime_ms: null });
    expect(render(first).title).toBe('🟢 Checkout API está OPERATIVO');
    const ups = [first, recovery('es'), stableMessage('es'), testMessage('es')];
    for (const m of [...ups, message({ language: 'es' })]) {
      const { title, text, html } = render(m);
      expect(text).toMatch(/operativo/i);
      expect(`${title}\n${text}\n${html}`).not.toMatch(/\bactivo\b/i);
    }
  });

  it('names degraded states', () => {
    const r = render(message({ event: 'subscription.degraded', to_state: 'degraded' }));
    expect(r.title).toBe('🟠 Checkout API is DEGRADED');
    expect(render(message({ to_state: 'degraded', language: 'es' })).title).toBe(
      '🟠 Checkout API está DEGRADADO',
    );
  });

  it('says plainly that a test alert is a test, with the one current state', () => {
    const en = render(testMessage('en'));
    expect(en.title).toBe('🧪 Test alert for Checkout API');
    expect(en.text).toBe(
      [
        '🧪 Test alert for Checkout API',
        'This is a test alert sent from Lighthouse to check this channel. Nothing has changed.',
        '',
        'Subscription: Checkout API',
        'Target: GET https://shop.example.com/health',
        'State: up',
        'Time: 2024-05-01T12:10:00.000Z (1 May 2024, 12:10:00 UTC)',
      ].join('\n'),
    );
    expect(en.html).toContain('<p><em>This is a test alert sent from Lighthouse');
    const es = render(testMessage('es'));
    expect(es.title).toBe('🧪 Alerta de prueba para Checkout API');
    expect(es.text.split('\n')[1]).toBe(
      'Esta es una alerta de prueba enviada por Lighthouse para comprobar este canal. No ha cambiado nada.',
    );
    expect(es.text).toContain('\nEstado: operativo\n');
    expect(es.text).not.toContain('→');
  });

  it('escapes HTML in every user-supplied value', () => {
    const r = render(
      message({
        name: '<script>alert(1)</script>',
        target: 'GET https://x.example/?a=1&b="2"',
        check: { ...message().check, error: "it's <b>bad</b>" },
      }),
    );
    expect(r.html).not.toContain('<script>');
    expect(r.html).not.toContain('<b>bad');
    expect(r.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(r.html).toContain('a=1&amp;b=&quot;2&quot;');
    expect(r.html).toContain('it&#39;s &lt;b&gt;bad&lt;/b&gt;');
    // the plain text stays plain
    expect(r.text).toContain('<script>alert(1)</script>');
  });

  it('cuts very long errors', () => {
    const error = 'x'.repeat(5000);
    const [field] = renderFields(message({ check: { ...message().check, error } })).filter(
      (f) => f.key === 'error',
    );
    expect(field?.value.length).toBeLessThan(600);
    expect(field?.value.endsWith('…')).toBe(true);
  });

  it('shows an unparsable time and an unknown state as they are', () => {
    const r = render(
      message({ to_state: 'paused', check: { ...message().check, time: 'not a time' } }),
    );
    expect(r.text).toContain('Time: not a time');
    expect(r.title).toBe('Checkout API is now paused');
  });
});

describe('render: when an outage began', () => {
  it('says since when a target is down when retries confirmed it later, in each language', () => {
    const since = '2024-05-01T12:02:40.000Z';
    const en = render(message({ since })).text;
    expect(en).toContain('Down since: 2024-05-01T12:02:40.000Z (1 May 2024, 12:02:40 UTC)');
    expect(render(message({ since, language: 'es' })).text).toContain('Caído desde: ');
    // nothing to add when the failing check itself took it down, or for a recovery
    expect(render(message({ since: '2024-05-01T12:03:20.000Z' })).text).not.toContain('since');
    expect(render(recoveryMessage('en', { since })).text).not.toContain('Down since');
  });

  it('puts since in the webhook payload', () => {
    const payload = webhookPayload(message({ since: '2024-05-01T12:02:40.000Z' }), 'text');
    expect(payload.since).toBe('2024-05-01T12:02:40.000Z');
    expect(webhookPayload(message(), 'text')).not.toHaveProperty('since');
  });
});

describe('render: regions', () => {
  it("names the regions that failed and each one's error, after the error, in English", () => {
    const r = render(multiRegionMessage('en'));
    expect(r.text).toBe(
      [
        '🔴 Checkout API is DOWN',
        '',
        'Subscription: Checkout API',
        'Target: GET https://shop.example.com/health',
        'State: up → down',
        'Error: unexpected status: expected status 2xx, got 503',
        'Failed in 2 of 3 regions: eu-west (connection refused), us-east (timeout)',
        'HTTP status: 503',
        'Response time: 87 ms',
        'Time: 2024-05-01T12:03:20.000Z (1 May 2024, 12:03:20 UTC)',
      ].join('\n'),
    );
    expect(r.html).toContain(
      '<strong>Failed in 2 of 3 regions:</strong> eu-west (connection refused), us-east (timeout)<br>',
    );
  });

  it('names them in Spanish', () => {
    const r = render(multiRegionMessage('es'));
    expect(r.text).toContain(
      '\nFalló en 2 de 3 regiones: eu-west (connection refused), us-east (timeout)\n',
    );
    expect(r.html).toContain(
      '<strong>Falló en 2 de 3 regiones:</strong> eu-west (connection refused), us-east (timeout)<br>',
    );
  });

  it.each(Object.keys(catalogs) as AlertMessage['language'][])(
    '%s: says nothing of regions for one region, none, or when none failed',
    (language) => {
      const allUp = THREE_REGIONS.map((r) => ({ ...r, status: 'up' as const, error: null }));
      for (const m of [
        singleRegionMessage(language),
        alertMessage({ language }),
        alertMessage({ language, regions: [] }),
        recoveryMessage(language, { regions: allUp }),
      ]) {
        expect(renderFields(m).map((f) => f.key)).not.toContain('regions');
        const { text, html } = render(m);
        expect(`${text}\n${html}`).not.toMatch(/region|eu-west/i);
      }
      // one region's message is the one it was before regions existed
      expect(render(singleRegionMessage(language))).toEqual(render(alertMessage({ language })));
    },
  );

  it('counts every region, names only the down and degraded ones, by state when without an error', () => {
    const regions = [
      { region: 'ap-south', status: 'missing' as const, error: null, response_time_ms: null },
      { region: 'eu-west', status: 'degraded' as const, error: null, response_time_ms: 2_400 },
      { region: 'us-east', status: 'up' as const, error: null, response_time_ms: 90 },
    ];
    const field = (language: AlertMessage['language']) =>
      renderFields(alertMessage({ language, regions })).find((f) => f.key === 'regions');
    expect(field('en')).toEqual({
      key: 'regions',
      label: 'Failed in 1 of 3 regions',
      value: 'eu-west (degraded)',
    });
    expect(field('es')).toEqual({
      key: 'regions',
      label: 'Falló en 1 de 3 regiones',
      value: 'eu-west (degradado)',
    });
  });

  it('escapes region names and errors in HTML, and keeps the plain text plain', () => {
    const regions = [
      {
        region: 'eu-west',
        status: 'down' as const,
        error: 'it\'s <b>bad</b> & "worse"',
        response_time_ms: null,
      },
      { region: 'us<i>east', status: 'down' as const, error: 'timeout', response_time_ms: null },
    ];
    const r = render(alertMessage({ regions }));
    expect(r.html).toContain(
      '<strong>Failed in 2 of 2 regions:</strong> eu-west (it&#39;s &lt;b&gt;bad&lt;/b&gt; &amp; &quot;worse&quot;), us&lt;i&gt;east (timeout)',
    );
    expect(r.html).not.toContain('<b>bad');
    expect(r.html).not.toContain('<i>');
    expect(r.text).toContain('eu-west (it\'s <b>bad</b> & "worse"), us<i>east (timeout)');
  });

  it('cuts long region names and errors, and keeps each region on the one line', () => {
    const regions = [
      {
        region: 'r'.repeat(500),
        status: 'down' as const,
        error: 'x'.repeat(5000),
        response_time_ms: null,
      },
      {
        region: 'us-east',
        status: 'down' as const,
        error: 'line one\n\n  line two',
        response_time_ms: null,
      },
    ];
    const field = renderFields(alertMessage({ regions })).find((f) => f.key === 'regions');
    expect(field?.value).toBe(
      `${'r'.repeat(63)}… (${'x'.repeat(199)}…), us-east (line one line two)`,
    );
    const many = Array.from({ length: 32 }, (_, i) => ({
      region: `region-${String(i).padStart(2, '0')}`,
      status: 'down' as const,
      error: 'e'.repeat(5000),
      response_time_ms: null,
    }));
    const long = renderFields(alertMessage({ regions: many })).find((f) => f.key === 'regions');
    expect(long?.label).toBe('Failed in 32 of 32 regions');
    expect(long?.value.length).toBeLessThanOrEqual(1000);
    expect(long?.value.endsWith('…')).toBe(true);
  });

  it('puts every region in the webhook payload, [] when the event names none', () => {
    expect(webhookPayload(multiRegionMessage('en'), 'text').regions).toEqual(THREE_REGIONS);
    expect(webhookPayload(singleRegionMessage('es'), 'text').regions).toEqual([
      { region: 'eu-west', status: 'down', error: 'connection refused', response_time_ms: null },
    ]);
    expect(webhookPayload(message(), 'text').regions).toEqual([]);
    expect(webhookPayload(testMessage('en'), 'text').regions).toEqual([]);
  });
});

describe('render: reminders, flapping and stable', () => {
  it('renders an English reminder with the one state and how long it has been down', () => {
    const r = render(reminderMessage('en'));
    expect(r.title).toBe('🔴 Checkout API is still DOWN');
    expect(r.text).toBe(
      [
        '🔴 Checkout API is still DOWN',
        '',
        'Subscription: Checkout API',
        'Target: GET https://shop.example.com/health',
        'State: down',
        'Error: connection failed: connect ECONNREFUSED',
        'Time: 2024-05-01T13:05:00.000Z (1 May 2024, 13:05:00 UTC)',
        'Down for: 1 h 5 min',
      ].join('\n'),
    );
  });

  it('renders a Spanish reminder', () => {
    const r = render(reminderMessage('es'));
    expect(r.title).toBe('🔴 Checkout API sigue CAÍDO');
    expect(r.text).toContain('\nEstado: caído\n');
    expect(r.text).toContain('Lleva caído: 1 h 5 min');
    expect(r.text).not.toContain('→');
    expect(r.text).not.toContain('Tiempo caído');
    expect(r.html).toContain('<strong>Lleva caído:</strong> 1 h 5 min');
  });

  it('renders English flapping with the change that tripped it and the held notice', () => {
    const r = render(flappingMessage('en'));
    expect(r.title).toBe('🟣 Checkout API is FLAPPING');
    expect(r.text).toBe(
      [
        '🟣 Checkout API is FLAPPING',
        '5 state changes in 30 min. Further alerts are held until it is stable.',
        '',
        'Subscription: Checkout API',
        'Target: GET https://shop.example.com/health',
        'State: up → down',
        'Flapping: 5 state changes in 30 min',
        'Error: unexpected status: expected status 2xx, got 503',
        'HTTP status: 503',
        'Response time: 87 ms',
        'Time: 2024-05-01T12:03:20.000Z (1 May 2024, 12:03:20 UTC)',
      ].join('\n'),
    );
    expect(r.html).toContain(
      '<p><em>5 state changes in 30 min. Further alerts are held until it is stable.</em></p>',
    );
  });

  it('renders Spanish flapping', () => {
    const r = render(flappingMessage('es'));
    expect(r.title).toBe('🟣 Checkout API está INESTABLE');
    expect(r.text.split('\n')[1]).toBe(
      '5 cambios de estado en 30 min. Las próximas alertas quedan en espera hasta que se estabilice.',
    );
    expect(r.text).toContain('Estado: operativo → caído');
    expect(r.text).toContain('Inestabilidad: 5 cambios de estado en 30 min');
  });

  it('writes the flapping window as a duration and one change in the singular', () => {
    const flapping = { transitions: 1, window_minutes: 90 };
    expect(render(flappingMessage('en', { flapping })).text).toContain(
      'Flapping: 1 state change in 1 h 30 min',
    );
    expect(render(flappingMessage('es', { flapping })).text).toContain(
      'Inestabilidad: 1 cambio de estado en 1 h 30 min',
    );
  });

  it('still says alerts are held when the counts are missing', () => {
    const r = render(flappingMessage('en', { flapping: undefined }));
    expect(r.text.split('\n')[1]).toBe('Further alerts are held until it is stable.');
    expect(
      renderFields(flappingMessage('en', { flapping: undefined })).map((f) => f.key),
    ).not.toContain('flapping');
  });

  it('renders stable in each language with the one state and that alerts resume', () => {
    const en = render(stableMessage('en'));
    expect(en.title).toBe('🟢 Checkout API is stable again (up)');
    expect(en.text).toBe(
      [
        '🟢 Checkout API is stable again (up)',
        'Alerts resume.',
        '',
        'Subscription: Checkout API',
        'Target: GET https://shop.example.com/health',
        'State: up',
        'HTTP status: 200',
        'Response time: 38 ms',
        'Time: 2024-05-01T12:40:00.000Z (1 May 2024, 12:40:00 UTC)',
      ].join('\n'),
    );
    const es = render(stableMessage('es'));
    expect(es.title).toBe('🟢 Checkout API vuelve a estar estable (operativo)');
    expect(es.text.split('\n')[1]).toBe('Se reanudan las alertas.');
    expect(es.text).toContain('\nEstado: operativo\n');
  });

  it('gives stable the emoji of the state it settled in', () => {
    const down = { from_state: 'down', to_state: 'down' };
    expect(render(stableMessage('en', down)).title).toBe('🔴 Checkout API is stable again (down)');
    const degraded = { from_state: 'degraded', to_state: 'degraded' };
    expect(render(stableMessage('es', degraded)).title).toBe(
      '🟠 Checkout API vuelve a estar estable (degradado)',
    );
  });

  it.each(Object.keys(catalogs) as AlertMessage['language'][])(
    '%s: every kind has its own title with exactly one emoji first',
    (language) => {
      const titles = [
        alertMessage({ language }),
        recoveryMessage(language),
        reminderMessage(language),
        flappingMessage(language),
        stableMessage(language),
        expiringMessage(language),
        expiredMessage(language),
        testMessage(language),
      ].map((m) => render(m).title);
      expect(new Set(titles).size).toBe(titles.length);
      for (const title of titles) {
        expect(title).toMatch(/^(🔴|🟢|🟠|🟣|⏳|⌛|🧪) \S/);
        expect(title.match(/🔴|🟢|🟠|🟣|⏳|⌛|🧪/g)).toHaveLength(1);
      }
    },
  );
});

describe('render: expiry notices', () => {
  it('renders an English notice 3 days ahead: when, which tier, and to renew', () => {
    const r = render(expiringMessage('en'));
    expect(r.title).toBe('⏳ Checkout API expires in 3 days');
    expect(r.text).toBe(
      [
        '⏳ Checkout API expires in 3 days',
        'Checkout API (pro tier) expires in 3 days, on 4 May 2024, 12:00 UTC; renew it to keep it checked.',
        '',
        'Subscription: Checkout API',
        'Target: GET https://shop.example.com/health',
        'Tier: pro',
        'Paid until: 2024-05-04T12:00:00.000Z (4 May 2024, 12:00:00 UTC)',
      ].join('\n'),
    );
    expect(r.html).toContain(
      '<p><em>Checkout API (pro tier) expires in 3 days, on 4 May 2024, 12:00 UTC; renew it to keep it checked.</em></p>',
    );
  });

  it('renders a Spanish notice 3 days ahead', () => {
    const r = render(expiringMessage('es'));
    expect(r.title).toBe('⏳ Checkout API caduca en 3 días');
    expect(r.text.split('\n').slice(1)).toEqual([
      'Checkout API (plan pro) caduca en 3 días, el 4 de mayo de 2024, 12:00 UTC; renueva la suscripción para que se siga comprobando.',
      '',
      'Suscripción: Checkout API',
      'Objetivo: GET https://shop.example.com/health',
      'Plan: pro',
      'Pagada hasta: 2024-05-04T12:00:00.000Z (4 de mayo de 2024, 12:00:00 UTC)',
    ]);
  });

  it('says one day in the singular', () => {
    const expiry = { expires_at: '2024-05-04T12:00:00.000Z', days_left: 1, tier: 'pro' };
    expect(render(expiringMessage('en', { expiry })).text.split('\n').slice(0, 2)).toEqual([
      '⏳ Checkout API expires in 1 day',
      'Checkout API (pro tier) expires in 1 day, on 4 May 2024, 12:00 UTC; renew it to keep it checked.',
    ]);
    expect(render(expiringMessage('es', { expiry })).text.split('\n').slice(0, 2)).toEqual([
      '⏳ Checkout API caduca en 1 día',
      'Checkout API (plan pro) caduca en 1 día, el 4 de mayo de 2024, 12:00 UTC; renueva la suscripción para que se siga comprobando.',
    ]);
  });

  it('says an ended period is no longer checked until it is renewed, in each language', () => {
    const en = render(expiredMessage('en'));
    expect(en.title).toBe('⌛ Checkout API has EXPIRED');
    expect(en.text.split('\n')[1]).toBe(
      'Checkout API (pro tier) expired on 4 May 2024, 12:00 UTC; it is no longer checked until it is renewed.',
    );
    const es = render(expiredMessage('es'));
    expect(es.title).toBe('⌛ Checkout API ha CADUCADO');
    expect(es.text.split('\n')[1]).toBe(
      'Checkout API (plan pro) caducó el 4 de mayo de 2024, 12:00 UTC; no se comprueba hasta que se renueve.',
    );
  });

  it('leaves out state, check and downtime: a notice is about billing, not health', () => {
    for (const m of [expiringMessage('en'), expiredMessage('es', { downtime_ms: 60_000 })]) {
      expect(renderFields(m).map((f) => f.key)).toEqual([
        'subscription',
        'target',
        'tier',
        'paidUntil',
      ]);
    }
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [400, '0 s'],
    [45_000, '45 s'],
    [200_000, '3 min 20 s'],
    [180_000, '3 min'],
    [3_600_000, '1 h'],
    [7_500_000, '2 h 5 min'],
    [7_529_000, '2 h 5 min'],
    [86_400_000 * 3 + 3_600_000 * 4 + 59_000, '3 d 4 h'],
    [86_400_000 * 2 + 30_000, '2 d'],
  ])('%d ms → %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});

describe('helpers', () => {
  it('escapeHtml escapes the five characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });

  it('truncate never splits an emoji', () => {
    expect(truncate('ab🔴cd', 3)).toBe('ab…');
    expect(truncate('abc', 3)).toBe('abc');
  });
});
