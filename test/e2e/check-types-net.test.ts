import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import {
  createTestCa,
  DAY_MS,
  issueCertificate,
  listen,
  startDnsServer,
  WebSocketServer,
  type DnsServer,
} from '../../services/checker/test/loopback';
import { sent, startStack, watch, webhook, type Stack } from './alerting-stack';

// One subscription of each socket-level type (tcp, dns, tls, websocket) through the real
// pipeline: each reaches up against a loopback server, then its target breaks (the port
// closes, the record changes, the certificate is swapped for one about to expire, the reply
// changes) and it goes down with an alert delivered to its webhook.

const HOUR_MS = 3_600_000;
let stack: Stack;
let caDir: string;
let dns: DnsServer;
let tcp: Server;
const tcpSockets = new Set<Socket>();
let tls: TlsServer;
let ws: WebSocketServer;
let reply = 'pong';
const ports: Record<'tcp' | 'tls' | 'ws', number> = { tcp: 0, tls: 0, ws: 0 };
let expiring: { private: string; cert: string };

beforeAll(async () => {
  const ca = await createTestCa();
  caDir = mkdtempSync(join(tmpdir(), 'lighthouse-ca-'));
  writeFileSync(join(caDir, 'ca.pem'), ca.cert);
  const valid = await issueCertificate(ca, { to: 60 * DAY_MS + HOUR_MS });
  expiring = await issueCertificate(ca, { to: 2 * DAY_MS + HOUR_MS });

  tcp = createServer((socket) => {
    tcpSockets.add(socket);
    socket.on('close', () => tcpSockets.delete(socket));
    socket.end();
  });
  ports.tcp = await listen(tcp);
  tls = createTlsServer({ key: valid.private, cert: valid.cert }, (socket) => socket.end());
  ports.tls = await listen(tls);
  ws = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => ws.once('listening', resolve));
  ports.ws = (ws.address() as { port: number }).port;
  ws.on('connection', (socket) => socket.on('message', () => socket.send(reply)));
  dns = await startDnsServer({ 'svc.lighthouse.test': { A: ['203.0.113.10'] } });

  // The checker trusts the test CA the way an operator would add a private root.
  stack = await startStack({ checker: { NODE_EXTRA_CA_CERTS: join(caDir, 'ca.pem') } });
}, 60_000);

afterAll(async () => {
  await stack.stop();
  for (const socket of tcpSockets) socket.destroy();
  if (tcp.listening) await new Promise((resolve) => tcp.close(resolve));
  await new Promise((resolve) => tls.close(resolve));
  for (const client of ws.clients) client.terminate();
  await new Promise((resolve) => ws.close(resolve));
  await dns.close();
  rmSync(caDir, { recursive: true, force: true });
});

const subscriptions = () =>
  [
    {
      type: 'tcp',
      target_config: { host: '127.0.0.1', port: ports.tcp, timeout_ms: 2_000 },
      target: `tcp 127.0.0.1:${ports.tcp}`,
      breakIt: async () => {
        for (const socket of tcpSockets) socket.destroy();
        await new Promise((resolve) => tcp.close(resolve));
      },
      error: /connection refused \(ECONNREFUSED\)/,
      category: 'connect',
    },
    {
      type: 'dns',
      target_config: {
        hostname: 'svc.lighthouse.test',
        record_type: 'A',
        resolver: dns.address,
        expected: ['203.0.113.10'],
        timeout_ms: 2_000,
      },
      target: `dns A svc.lighthouse.test @${dns.address}`,
      breakIt: () => {
        dns.zone.set('svc.lighthouse.test', { A: ['203.0.113.99'] });
      },
      error: /^no A answer matches "203.0.113.10" \(got "203.0.113.99"\)$/,
      category: 'assertion',
    },
    {
      type: 'tls',
      target_config: { host: '127.0.0.1', port: ports.tls, timeout_ms: 2_000 },
      target: `tls 127.0.0.1:${ports.tls}`,
      breakIt: () => {
        tls.setSecureContext({ key: expiring.private, cert: expiring.cert });
      },
      error: /^certificate expires in 2 day\(s\), under critical_days 3/,
      category: 'tls',
    },
    {
      type: 'websocket',
      target_config: {
        url: `ws://127.0.0.1:${ports.ws}/feed`,
        send: 'ping',
        expect: { contains: 'pong' },
        timeout_ms: 2_000,
      },
      target: `websocket ws://127.0.0.1:${ports.ws}/feed`,
      breakIt: () => {
        reply = 'maintenance';
      },
      error: /^the first reply did not contain "pong"$/,
      category: 'assertion',
    },
  ] as const;

it('each network check type goes up, then down with an alert when its target breaks', async () => {
  const cases = subscriptions();
  const watched = await Promise.all(
    cases.map((c) =>
      watch(stack, `/net/${c.type}`, [webhook(stack, `/hook/${c.type}`)], {
        name: `net ${c.type}`,
        target_type: c.type,
        target_config: c.target_config,
      }),
    ),
  );
  for (const c of cases) await c.breakIt();

  await Promise.all(
    cases.map(async (c, i) => {
      const id = watched[i]?.id ?? '';
      await stack.alertOf(id, 'down', `the ${c.type} down alert delivered`, sent);
      const hook = stack.calls.find((call) => call.path === `/hook/${c.type}`);
      expect(hook?.body).toMatchObject({
        event: 'subscription.down',
        subscription_id: id,
        target: c.target,
        from_state: 'up',
        to_state: 'down',
        check: { status: 'down' },
      });
      expect((hook?.body.check as { error: string }).error).toMatch(c.error);
      // the stored history keeps the category the webhook leaves out
      const history = await stack.call('GET', `/v1/subscriptions/${id}/checks?limit=1`);
      expect((history.body.items as Record<string, unknown>[])[0]).toMatchObject({
        status: 'down',
        error_category: c.category,
      });
    }),
  );
}, 60_000);
