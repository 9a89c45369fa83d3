import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

// Loopback peers for the EVM checks' failure cases: real HTTP servers that misbehave the way
// JSON-RPC endpoints do.

export interface Peer {
  url: string;
  /** requests received so far */
  requests: number;
  close(): Promise<void>;
}

async function serve(handler: http.RequestListener): Promise<Peer> {
  const server = http.createServer();
  const peer = {
    url: '',
    requests: 0,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    peer.requests += 1;
    handler(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  peer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return peer;
}

/** Accepts every request and never answers. */
export function startSilentPeer(): Promise<Peer> {
  return serve(() => undefined);
}

/**
 * Answers every JSON-RPC request with `answer(request)`: raw text, sent with status 200 and
 * a JSON content type whatever it holds.
 */
export function startRpcPeer(
  answer: (request: { id?: unknown; method?: string }) => string,
  status = 200,
): Promise<Peer> {
  return serve((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      let request: { id?: unknown; method?: string } = {};
      try {
        request = JSON.parse(raw) as typeof request;
      } catch {
        // answered all the same
      }
      res.writeHead(status, { 'content-type': 'application/json' }).end(answer(request));
    });
  });
}

/** Forwards every request to `target` after `delayMs`. */
export function startDelayingProxy(target: string, delayMs: number): Promise<Peer> {
  return serve((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      setTimeout(() => {
        fetch(target, {
          method: req.method,
          headers: { 'content-type': 'application/json' },
          body: Buffer.concat(chunks),
        })
          .then(async (upstream) => {
            res
              .writeHead(upstream.status, { 'content-type': 'application/json' })
              .end(await upstream.text());
          })
          .catch(() => res.writeHead(502).end());
      }, delayMs);
    });
  });
}
