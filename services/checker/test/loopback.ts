import { spawn } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import dnsPacket from 'dns-packet';
import { generate } from 'selfsigned';
import { WebSocketServer } from 'ws';

// Real servers on loopback for the socket-level checks' tests (unit and end-to-end): a CA and
// the certificates it issues, a DNS server whose zone a test edits, a port that never accepts.

export { WebSocketServer };

export const DAY_MS = 86_400_000;

/** Listens on 127.0.0.1 and an ephemeral port; returns the port. */
export async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Closes a server and every connection it still holds. */
export async function close(
  server: Server,
  sockets?: Iterable<{ destroy(): void }>,
): Promise<void> {
  for (const socket of sockets ?? []) socket.destroy();
  const closed = once(server, 'close');
  server.close();
  await closed;
}

/** A port that was free a moment ago: connecting to it is refused. */
export async function refusedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await close(server);
  return port;
}

export interface Pems {
  private: string;
  cert: string;
}

export function createTestCa(): Promise<Pems> {
  return generate([{ name: 'commonName', value: 'Lighthouse Test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      {
        name: 'keyUsage',
        keyCertSign: true,
        cRLSign: true,
        digitalSignature: true,
        critical: true,
      },
    ],
  });
}

export interface CertificateOptions {
  /** validity, in ms from now (negative: in the past) */
  from?: number;
  to: number;
  commonName?: string;
  /** names (and 127.0.0.1) the certificate is valid for; default lighthouse.test */
  dnsNames?: string[];
}

/** A leaf for 127.0.0.1 and `dnsNames`, issued by `ca`, or self-signed without one. */
export function issueCertificate(ca: Pems | null, options: CertificateOptions): Promise<Pems> {
  const names = options.dnsNames ?? ['lighthouse.test'];
  return generate([{ name: 'commonName', value: options.commonName ?? names[0] ?? '127.0.0.1' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() + (options.from ?? -DAY_MS)),
    notAfterDate: new Date(Date.now() + options.to),
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          ...names.map((value) => ({ type: 2 as const, value })),
        ],
      },
    ],
    ...(ca === null ? {} : { ca: { key: ca.private, cert: ca.cert } }),
  });
}

export interface ZoneRecords {
  A?: string[];
  AAAA?: string[];
  CNAME?: string[];
  MX?: { priority: number; exchange: string }[];
  TXT?: string[];
  NS?: string[];
}

export interface DnsServer {
  port: number;
  /** `127.0.0.1:<port>`, as a dns target's `resolver` */
  address: string;
  /** names (lowercase, no trailing dot) → records; edit it to change the answers */
  zone: Map<string, ZoneRecords>;
  /** answer: from the zone; silent: never answers; garbage: a truncated answer; servfail */
  mode: 'answer' | 'silent' | 'garbage' | 'servfail';
  queries: number;
  close(): Promise<void>;
}

const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;

/** A DNS server over UDP on 127.0.0.1 that answers from a zone the test controls. */
export async function startDnsServer(zone: Record<string, ZoneRecords> = {}): Promise<DnsServer> {
  const socket: UdpSocket = createSocket('udp4');
  const server: DnsServer = {
    port: 0,
    address: '',
    zone: new Map(Object.entries(zone)),
    mode: 'answer',
    queries: 0,
    close: async () => {
      const closed = once(socket, 'close');
      socket.close();
      await closed;
    },
  };
  socket.on('message', (message, peer) => {
    server.queries += 1;
    const reply = (packet: Buffer): void => socket.send(packet, peer.port, peer.address);
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const id = query.id ?? 0;
    if (server.mode === 'silent') return;
    if (server.mode === 'garbage') {
      // A header that promises an answer the packet does not hold.
      const header = Buffer.alloc(12);
      header.writeUInt16BE(id, 0);
      header.writeUInt16BE(0x8180, 2);
      header.writeUInt16BE(1, 4);
      header.writeUInt16BE(1, 6);
      reply(Buffer.concat([header, Buffer.from([0xc0, 0xff, 0x00])]));
      return;
    }
    const question = query.questions?.[0];
    const name = (question?.name ?? '').toLowerCase().replace(/\.$/, '');
    const records = server.zone.get(name);
    const base = { id, type: 'response' as const, questions: query.questions ?? [] };
    if (server.mode === 'servfail' || records === undefined) {
      const rcode = server.mode === 'servfail' ? RCODE_SERVFAIL : RCODE_NXDOMAIN;
      reply(dnsPacket.encode({ ...base, flags: dnsPacket.RECURSION_DESIRED | rcode }));
      return;
    }
    const answers = answersFor(question?.name ?? name, question?.type, records);
    reply(
      dnsPacket.encode({
        ...base,
        flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
        answers,
      }),
    );
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  server.port = socket.address().port;
  server.address = `127.0.0.1:${server.port}`;
  return server;
}

function answersFor(
  name: string,
  type: string | undefined,
  records: ZoneRecords,
): dnsPacket.Answer[] {
  const ttl = 60;
  switch (type) {
    case 'A':
      return (records.A ?? []).map((data) => ({ type: 'A', name, ttl, data }));
    case 'AAAA':
      return (records.AAAA ?? []).map((data) => ({ type: 'AAAA', name, ttl, data }));
    case 'CNAME':
      return (records.CNAME ?? []).map((data) => ({ type: 'CNAME', name, ttl, data }));
    case 'NS':
      return (records.NS ?? []).map((data) => ({ type: 'NS', name, ttl, data }));
    case 'TXT':
      return (records.TXT ?? []).map((data) => ({ type: 'TXT', name, ttl, data }));
    case 'MX':
      return (records.MX ?? []).map(({ priority, exchange }) => ({
        type: 'MX',
        name,
        ttl,
        data: { preference: priority, exchange },
      }));
    default:
      return [];
  }
}

export interface StuckPort {
  port: number;
  close(): void;
}

/**
 * A port where a TCP connect hangs: a child process listens with a backlog of 1 and never
 * accepts (its event loop sleeps), the backlog is filled, and the kernel drops further SYNs.
 */
export async function stuckPort(): Promise<StuckPort> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const s = require('net').createServer().listen(0, '127.0.0.1', 1, () => {
         process.stdout.write(s.address().port + '\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [data] = (await once(child.stdout, 'data')) as [Buffer];
  const port = Number(data.toString().trim());
  const fillers: { destroy(): void }[] = [];
  // Connects until one hangs: the kernel completes handshakes until the backlog is full.
  for (let i = 0; i < 8; i += 1) {
    const socket = connect(port, '127.0.0.1');
    fillers.push(socket);
    socket.on('error', () => undefined);
    const connected = await Promise.race([
      once(socket, 'connect').then(() => true),
      new Promise<boolean>((resolve) => setTimeout(resolve, 200, false)),
    ]);
    if (!connected) break;
  }
  return {
    port,
    close() {
      for (const socket of fillers) socket.destroy();
      child.kill('SIGKILL');
    },
  };
}
