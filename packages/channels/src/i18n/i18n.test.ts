import { LANGUAGES } from '@lighthouse/domain';
import { alertMessage, recoveryMessage } from '../../test/fixtures';
import type { AlertMessage } from '../channels/types';
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
    expect(r.text).toContain('Estado: activo → caído');
    expect(r.text).toContain('Error: estado inesperado: expected status 2xx, got 503');
    expect(r.text).toContain('Hora: 2024-05-01T12:03:20.000Z (1 de mayo de 2024, 12:03:20 UTC)');
  });

  it('gives recoveries the downtime, in each language', () => {
    const en = render(recovery('en'));
    expect(en.title).toBe('🟢 Checkout API is UP again');
    expect(en.text).toContain('Downtime: 3 min 20 s');
    expect(en.text).not.toContain('Error');
    const es = render(recovery('es'));
    expect(es.title).toBe('🟢 Checkout API vuelve a estar ACTIVO');
    expect(es.text).toContain('Tiempo caído: 3 min 20 s');
  });

  it('names degraded states', () => {
    const r = render(message({ event: 'subscription.degraded', to_state: 'degraded' }));
    expect(r.title).toBe('🟠 Checkout API is DEGRADED');
    expect(render(message({ to_state: 'degraded', language: 'es' })).title).toBe(
      '🟠 Checkout API está DEGRADADO',
    );
  });

  it('says plainly that a test alert is a test', () => {
    const en = render(message({ test: true }));
    expect(en.title).toBe('[TEST] 🔴 Checkout API is DOWN');
    expect(en.text.split('\n')[1]).toMatch(/test alert.*Nothing has changed/);
    expect(en.html).toContain('test alert');
    const es = render(message({ test: true, language: 'es' }));
    expect(es.title).toMatch(/^\[PRUEBA\] /);
    expect(es.text).toContain('alerta de prueba');
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
