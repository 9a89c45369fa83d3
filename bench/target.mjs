// Loopback HTTP targets for the benchmark, in a process of their own so that they do not
// share an event loop with the runner or the probe loop. Listens on `--ports` ports
// (keep-alive, a tiny 200 answer), prints one JSON line with the ports, and answers
// `{type: 'count'}` IPC messages with the number of requests served so far.
// `/flip/<periodMs>/<offsetMs>` answers 500 during every other period (shifted by the
// offset) and 200 otherwise: targets that go down and up again, for the alert latency phase.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    ports: { type: 'string', default: '1' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});

const BODY = Buffer.from('{"status":"ok"}');
const HEADERS = { 'Content-Type': 'application/json', 'Content-Length': String(BODY.length) };
const DOWN = Buffer.from('{"status":"down"}');
const DOWN_HEADERS = { 'Content-Type': 'application/json', 'Content-Length': String(DOWN.length) };
let served = 0;

function listen() {
  const server = createServer((req, res) => {
    served += 1;
    // drain any request body, then answer
    req.resume();
    if (req.url?.startsWith('/flip/')) {
      const [, , period, offset] = req.url.split('/');
      const p = Math.max(1, Number(period) || 1);
      if (Math.floor((Date.now() + (Number(offset) || 0)) / p) % 2 === 1) {
        res.writeHead(500, DOWN_HEADERS).end(DOWN);
        return;
      }
    }
    res.writeHead(200, HEADERS).end(BODY);
  });
  // longer than the checker's 2 s idle socket timeout, so the client closes idle sockets first
  server.keepAliveTimeout = 30_000;
  server.headersTimeout = 31_000;
  server.maxRequestsPerSocket = 0;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, values.host, () => resolve(server));
  });
}

const servers = await Promise.all(
  Array.from({ length: Math.max(1, Number(values.ports)) }, () => listen()),
);
const ports = servers.map((s) => s.address().port);

process.on('message', (message) => {
  if (message?.type === 'count') process.send?.({ type: 'count', served, at: Date.now() });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid, ports })}\n`);
