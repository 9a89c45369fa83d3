// Loopback targets with a production-like mix, in a process of their own (like target.mjs):
// HTTPS with an ECDSA P-256 leaf, HTTPS with an RSA-2048 leaf (both under one intermediate and
// a root the clients trust) and plain HTTP, each on a free 127.0.0.1 port. `/t/<id>` behaves
// as `behaviour(id)` in mix.mjs says: body size, latency, 500 or no answer in time.
//
// By default every answer closes its connection and TLS sessions are never resumed: in
// production each target is another host checked every ≥ 30 s, so no socket or session
// survives from one check to the next, while here thousands of targets share three origins
// and a client's pool or session cache would otherwise make most checks free.
// `--keep-alive` / `--tickets` allow either, for comparison.
//
// Prints one JSON line when ready ({ready, pid, ports: {ecdsa, rsa, http}, rootCa}) and answers
// `{type: 'count'}` IPC messages with what it has served. Exits on disconnect or SIGTERM.
import { readFileSync } from 'node:fs';
import { constants } from 'node:crypto';
import { createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { parseArgs } from 'node:util';
import { certsIn, makeCerts } from './certs.mjs';
import { behaviour } from './mix.mjs';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    // a PKI made by the runner (makeCerts); without it one is made here and removed at exit
    'cert-dir': { type: 'string' },
    'timeout-ms': { type: 'string', default: '10000' },
    'keep-alive': { type: 'boolean', default: false },
    tickets: { type: 'boolean', default: false },
  },
});
const timeoutMs = Number(values['timeout-ms']);
const keepAlive = values['keep-alive'];

const certs = values['cert-dir'] ? certsIn(values['cert-dir']) : makeCerts();
const ownCerts = !values['cert-dir'];
const exit = () => {
  if (ownCerts) certs.cleanup();
  process.exit(0);
};

const FILLER = Buffer.alloc(16 * 1024, 'lighthouse bench target body. ');
const FAIL = Buffer.from('{"error":"internal server error"}');
const counts = {
  served: 0,
  ok: 0,
  failed: 0,
  hung: 0,
  aborted: 0,
  connections: 0,
  handshakes: 0,
  resumed: 0,
};

function handle(req, res) {
  counts.served += 1;
  req.resume();
  const m = /^\/t\/(\d+)/.exec(req.url ?? '');
  if (!m) {
    res.writeHead(404, { 'Content-Length': '0' }).end();
    return;
  }
  const b = behaviour(Number(m[1]), { timeoutMs });
  const headers = keepAlive ? {} : { Connection: 'close' };
  // one bounded timer per request, cleared when the client goes away first
  const timer = setTimeout(() => {
    if (b.kind === 'fail') {
      counts.failed += 1;
      res
        .writeHead(500, {
          ...headers,
          'Content-Type': 'application/json',
          'Content-Length': String(FAIL.length),
        })
        .end(FAIL);
      return;
    }
    if (b.kind === 'hang') counts.hung += 1;
    else counts.ok += 1;
    res
      .writeHead(200, {
        ...headers,
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': String(b.bytes),
        'Cache-Control': 'no-store',
      })
      .end(FILLER.subarray(0, b.bytes));
  }, b.delayMs);
  res.once('close', () => {
    if (!res.writableFinished) counts.aborted += 1;
    clearTimeout(timer);
  });
}

function tune(server) {
  server.keepAliveTimeout = 1_000;
  server.headersTimeout = 5_000;
  server.requestTimeout = timeoutMs + 10_000;
  server.on('connection', () => {
    counts.connections += 1;
  });
  return server;
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, values.host, 1024, () => resolve(server.address().port));
  });
}

function https(pair) {
  const server = createHttps(
    {
      key: readFileSync(pair.key),
      cert: readFileSync(pair.chain),
      // no tickets: no resumption (node keeps no server-side session cache of its own)
      secureOptions: values.tickets ? 0 : constants.SSL_OP_NO_TICKET,
    },
    handle,
  );
  server.on('secureConnection', (socket) => {
    counts.handshakes += 1;
    if (socket.isSessionReused()) counts.resumed += 1;
  });
  return tune(server);
}

const [ecdsa, rsa, http] = await Promise.all([
  listen(https(certs.ecdsa)),
  listen(https(certs.rsa)),
  listen(tune(createHttp(handle))),
]);

process.on('message', (message) => {
  if (message?.type === 'count') process.send?.({ type: 'count', ...counts, at: Date.now() });
});
process.on('disconnect', exit);
process.on('SIGTERM', exit);
process.on('SIGINT', exit);

process.stdout.write(
  `${JSON.stringify({ ready: true, pid: process.pid, ports: { ecdsa, rsa, http }, rootCa: certs.rootCa })}\n`,
);
