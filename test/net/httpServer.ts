import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** How one path of the test server misbehaves. "first" options apply to the first request only. */
export interface Route {
  body: Buffer;
  /** Serve this instead of `body` (same headers logic): a corrupt download. */
  serve?: Buffer;
  /** First request: send this many body bytes, then destroy the connection. */
  cutAfter?: number;
  /** First request: send this many body bytes, then go silent (connection stays open). */
  stallAfter?: number;
  /** The first `count` requests are answered with `status`. */
  failFirst?: { count: number; status: number };
  /** Every request is answered with this status and no body. */
  status?: number;
  /** Answer 200 with the whole body even when asked for a range. */
  ignoreRange?: boolean;
  /** Answer a range request with 206 but a Content-Range starting at 0 (and the whole body). */
  wrongRange?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
}

export interface RecordedRequest {
  path: string;
  range: string | undefined;
}

export interface TestServer {
  url(path: string): string;
  route(path: string, route: Route): void;
  requests(path?: string): RecordedRequest[];
  /** Most requests being answered at the same time, since the last reset. */
  readonly maxInFlight: number;
  resetCounters(): void;
  close(): Promise<void>;
}

/** A local HTTP server (port 0) serving byte bodies with Range support and scripted failures. */
export async function startTestServer(): Promise<TestServer> {
  const routes = new Map<string, Route>();
  const log: RecordedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = routes.get(path);
    log.push({ path, range: req.headers.range });
    if (!route) {
      res.writeHead(404).end('no such route');
      return;
    }
    const n = log.filter((r) => r.path === path).length;
    if (route.delayMs) await sleep(route.delayMs);
    if (route.failFirst && n <= route.failFirst.count) {
      res.writeHead(route.failFirst.status, { 'content-type': 'text/plain' }).end('scripted failure');
      return;
    }
    if (route.status !== undefined) {
      res.writeHead(route.status, { 'content-type': 'text/plain' }).end('scripted status');
      return;
    }
    const body = route.serve ?? route.body;
    let start = 0;
    let status = 200;
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && !route.ignoreRange) {
      start = Number(range[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      status = 206;
      if (route.wrongRange) start = 0;
      headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    }
    const data = body.subarray(start);
    headers['content-length'] = data.length;
    res.writeHead(status, headers);
    if (n === 1 && route.cutAfter !== undefined) {
      res.write(data.subarray(0, route.cutAfter), () => res.destroy());
      return;
    }
    if (n === 1 && route.stallAfter !== undefined) {
      res.write(data.subarray(0, route.stallAfter));
      return;
    }
    res.end(data);
  };

  const server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    handle(req, res).catch((error) => res.destroy(error));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    route: (path, route) => void routes.set(path, route),
    requests: (path) => (path === undefined ? [...log] : log.filter((r) => r.path === path)),
    get maxInFlight() {
      return maxInFlight;
    },
    resetCounters() {
      maxInFlight = inFlight;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
