#!/usr/bin/env node
// A target for trying regions on one machine (README, "Several regions"): it answers 200 on
// every path, and drops the connections of the source addresses it is told to partition, as
// a network between a region and the target would. Only loopback may tell it.
//
//   node scripts/partition-target.mjs [port]            (default 8080, on 127.0.0.1)
//   curl -X POST   localhost:8080/partition/127.0.0.2   region a can no longer reach it
//   curl -X DELETE localhost:8080/partition/127.0.0.2   and now it can again
//   curl           localhost:8080/partition             who is partitioned
import { createServer } from 'node:http';
import { isIP } from 'node:net';

const port = Number(process.argv[2] ?? 8080);
const partitioned = new Set();
const source = (socket) => (socket.remoteAddress ?? '').replace(/^::ffff:/, '');

const server = createServer((req, res) => {
  const match = /^\/partition(?:\/([^/]+))?$/.exec(req.url ?? '');
  if (match && source(req.socket) === '127.0.0.1') {
    const address = match[1];
    if (req.method === 'GET' && address === undefined) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify([...partitioned])}\n`);
      return;
    }
    if (address === undefined || isIP(address) === 0 || address === '127.0.0.1') {
      res.writeHead(400).end('name a source address other than 127.0.0.1\n');
      return;
    }
    if (req.method === 'POST') partitioned.add(address);
    else if (req.method === 'DELETE') partitioned.delete(address);
    else {
      res.writeHead(405).end('POST or DELETE\n');
      return;
    }
    res.writeHead(204).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
});
server.on('connection', (socket) => {
  if (partitioned.has(source(socket))) socket.destroy();
});
server.listen(port, '127.0.0.1', () => {
  console.log(
    `partition target on http://127.0.0.1:${port}/ (POST /partition/<address> to cut one off)`,
  );
});
