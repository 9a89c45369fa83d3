import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { builtApiOrigin } from '../src/routes/dashboard';
import { startTestApi, type TestApi } from './helpers';

const INDEX_HTML =
  '<!doctype html><html><head><script type="module" crossorigin src="/assets/app-abc123.js"></script></head><body><div id="root"></div></body></html>';
const APP_JS = 'document.getElementById("root").textContent = "hello";\n';
const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** A dist directory shaped like Vite's output, written for this file only. */
function writeFixtureDist(root: string, indexHtml = INDEX_HTML): string {
  const dist = join(root, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), indexHtml);
  writeFileSync(join(dist, 'assets', 'app-abc123.js'), APP_JS);
  return dist;
}

describe('the api serving a built dashboard (DASHBOARD_DIR)', () => {
  let tmp: string;
  let api: TestApi;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'lighthouse-dashboard-'));
    api = await startTestApi({ DASHBOARD_DIR: writeFixtureDist(tmp) });
  });

  afterAll(async () => {
    await api?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it.each(['/', '/subscriptions/123', '/index.html'])(
    'answers %s with index.html, revalidated on every load',
    async (path) => {
      const res = await api.http.get(path).set('Accept', HTML).expect(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.text).toBe(INDEX_HTML);
    },
  );

  it('lets the page run its own module scripts and call this origin, and nothing inline', async () => {
    const res = await api.http.get('/').set('Accept', HTML).expect(200);
    const csp = String(res.headers['content-security-policy']);
    const directives = new Map(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
  });

  it('serves hashed assets with a year-long immutable cache', async () => {
    const res = await api.http.get('/assets/app-abc123.js').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/javascript|^application\/javascript/);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.text).toBe(APP_JS);
  });

  it('answers a missing asset (not a page load) with the JSON 404', async () => {
    const res = await api.http.get('/assets/app-missing.js').set('Accept', '*/*').expect(404);
    expect(res.body).toMatchObject({ error: { code: 'not_found' } });
  });

  it.each(['/v1/nope', '/v1/subscriptions/x/nope', '/health/nope', '/admin', '/status'])(
    'leaves %s to the API: JSON, never index.html, even for a browser',
    async (path) => {
      const res = await api.http.get(path).set('Accept', HTML);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.text).not.toBe(INDEX_HTML);
    },
  );

  it('keeps the JSON 404 for unknown /v1 routes', async () => {
    const res = await api.http.get('/v1/nope').set('Accept', HTML).expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ error: { code: 'not_found' } });
  });

  it('still answers the API itself', async () => {
    const res = await api.http.get('/v1/tiers').set('Accept', HTML).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('answers only GET and HEAD: a POST to a page is the JSON 404', async () => {
    await api.http.head('/subscriptions/123').set('Accept', HTML).expect(200);
    const res = await api.http.post('/subscriptions/123').set('Accept', HTML).send({}).expect(404);
    expect(res.body).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('a dashboard built for an API on another origin', () => {
  let tmp: string;
  let api: TestApi;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'lighthouse-dashboard-'));
    const html = INDEX_HTML.replace(
      '<head>',
      '<head><meta name="lighthouse-api-origin" content="https://api.example.com">',
    );
    api = await startTestApi({ DASHBOARD_DIR: writeFixtureDist(tmp, html) });
  });

  afterAll(async () => {
    await api?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('allows that origin for requests, badge images and the status page preview', async () => {
    const res = await api.http.get('/').set('Accept', HTML).expect(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("connect-src 'self' https://api.example.com");
    expect(csp).toContain("img-src 'self' data: https://api.example.com");
    expect(csp).toContain("frame-src 'self' https://api.example.com");
  });

  it('reads only an http(s) origin from the meta tag', () => {
    expect(builtApiOrigin('<meta name="lighthouse-api-origin" content="javascript:x">')).toBe(
      undefined,
    );
    expect(builtApiOrigin('<meta name="lighthouse-api-origin" content="http://a.b:8080">')).toBe(
      'http://a.b:8080',
    );
  });
});

describe('the api without a built dashboard', () => {
  let tmp: string;
  let api: TestApi;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'lighthouse-dashboard-'));
    api = await startTestApi({ DASHBOARD_DIR: join(tmp, 'not-built') });
  });

  afterAll(async () => {
    await api?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it.each(['/', '/subscriptions/123'])('answers %s with the JSON 404, as before', async (path) => {
    const res = await api.http.get(path).set('Accept', HTML).expect(404);
    expect(res.body).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe("the workspace's dashboard build (pnpm build)", () => {
  // the default DASHBOARD_DIR is where `pnpm build` puts the dashboard, so the api serves it
  const dist = loadConfig({
    DATABASE_URL: 'postgres://unused@127.0.0.1/unused',
    REDIS_URL: 'redis://127.0.0.1:6379',
    ENCRYPTION_KEY: '0'.repeat(64),
    ADMIN_TOKEN: 'admin-token-for-tests-0123456789',
  }).DASHBOARD_DIR;

  it('is where the api looks by default, and names only files that exist', () => {
    const index = join(dist, 'index.html');
    expect(existsSync(index)).toBe(true);
    const html = readFileSync(index, 'utf8');
    const refs = [...html.matchAll(/(?:src|href)="(\/[^"]*)"/g)].map((m) => m[1] as string);
    expect(refs.some((r) => /^\/assets\/.+\.js$/.test(r))).toBe(true);
    for (const ref of refs) expect(existsSync(join(dist, ref))).toBe(true);
    // no inline script, so script-src 'self' lets it run
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});
