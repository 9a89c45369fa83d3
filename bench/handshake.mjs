// CPU of one TLS client connection as the checker makes it, with node's own name check
// (`getPeerCertificate(true)`: the whole chain built as objects) and with the checker's
// `checkNameOnLeaf` (the leaf alone), in alternating rounds in one process, so that both
// figures come from the same run. The server is a child process (its CPU is not counted),
// with the mix's ECDSA and RSA leaves under an intermediate CA.
//
//   node bench/handshake.mjs [--rounds 6] [--per-round 400]
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { connect, createSecureContext, createServer } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeCerts } from './certs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

if (process.argv[2] === '--serve') {
  // the server: one TLS port per leaf, each answering the handshake and closing
  const dir = process.argv[3];
  const ports = {};
  for (const kind of ['ecdsa', 'rsa']) {
    const server = createServer(
      {
        key: readFileSync(join(dir, `${kind}.key`)),
        cert: readFileSync(join(dir, `${kind}-chain.crt`)),
      },
      (socket) => socket.end(),
    );
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports[kind] = server.address().port;
  }
  process.send({ ports });
  process.on('disconnect', () => process.exit(0));
} else {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '6' },
      'per-round': { type: 'string', default: '400' },
    },
  });
  const rounds = Number(values.rounds);
  const perRound = Number(values['per-round']);
  const { checkNameOnLeaf } = createRequire(join(root, 'services', 'checker', 'package.json'))(
    join(root, 'services', 'checker', 'dist', 'checks', 'socket.js'),
  );
  const certs = makeCerts();
  const server = fork(fileURLToPath(import.meta.url), ['--serve', certs.dir]);
  const { ports } = await new Promise((resolve) => server.once('message', resolve));
  // built once, as the checker builds it (ADR 10)
  const secureContext = createSecureContext({ ca: readFileSync(certs.rootCa) });

  const once = (port, leafOnly) =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext });
      if (leafOnly) checkNameOnLeaf(socket);
      socket.once('secureConnect', () => {
        socket.getPeerCertificate(); // the expiry, as the checker reads it
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const totals = {};
  for (let r = 0; r < rounds; r += 1) {
    for (const kind of ['ecdsa', 'rsa']) {
      for (const leafOnly of r % 2 === 0 ? [false, true] : [true, false]) {
        const key = `${kind} ${leafOnly ? 'checkNameOnLeaf' : "node's check"}`;
        const c0 = cpuMs();
        for (let i = 0; i < perRound; i += 1) await once(ports[kind], leafOnly);
        totals[key] = (totals[key] ?? 0) + (cpuMs() - c0);
      }
    }
  }
  server.disconnect();
  server.kill();
  certs.cleanup();
  const n = rounds * perRound;
  const rows = Object.entries(totals).map(([key, ms]) => ({
    connection: key,
    cpu_ms_per_connection: Number((ms / n).toFixed(3)),
  }));
  console.table(rows);
  console.log(JSON.stringify({ rounds, per_round: perRound, rows }));
}
