import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** the loopback port clients connect to */
  port: number;
  /** whether it forwards now */
  up: boolean;
  /** resets every open connection and refuses new ones, as a server that went away */
  cut(): Promise<void>;
  /** accepts and forwards again, on the same port */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A TCP forwarder on loopback in front of a real server (PostgreSQL), so a test can make
 * that server unreachable for the processes it started without stopping it for others.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(target);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const proxy: TcpProxy = {
    port,
    up: true,
    async cut() {
      proxy.up = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of open) s.resetAndDestroy();
      await closed;
    },
    async restore() {
      if (proxy.up) return;
      await listen(port);
      proxy.up = true;
    },
    async close() {
      if (proxy.up) await proxy.cut();
    },
  };
  return proxy;
}
