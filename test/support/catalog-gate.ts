// An HTTP gate in front of the REST catalog for worker tests: while closed it
// holds every request whose path names a table (a multi-table commit too), so a
// test can stop `floe run` at a known step (the table load of an assignment, a
// commit) and look at it there.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Table routes, and POST /v1/{prefix}/transactions/commit, which names its tables in the body. */
function namesTables(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return path.includes('/tables') || path.endsWith('/transactions/commit');
}

/** Holds catalog requests whose path names a table while closed; forwards everything else. */
export class CatalogGate {
  readonly #server: Server;
  #closed = false;
  #held: Array<() => void> = [];
  #onHold: Array<() => void> = [];

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(target: string): Promise<CatalogGate> {
    let gate: CatalogGate | undefined;
    const server = createServer((req, res) => void gate!.#handle(target, req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gate = new CatalogGate(server);
    return gate;
  }

  get uri(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): void {
    this.#closed = true;
  }

  /** Forwards the held requests whose client is still there. */
  open(): void {
    this.#closed = false;
    for (const release of this.#held.splice(0)) release();
  }

  /** Resolves once a request is being held. */
  waitForHeld(timeoutMs = 60_000): Promise<void> {
    if (this.#held.length > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no catalog request was held')), timeoutMs);
      this.#onHold.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    this.open();
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #handle(target: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.#closed && namesTables(req.url ?? '')) {
      await new Promise<void>((resolve) => {
        this.#held.push(resolve);
        for (const notify of this.#onHold.splice(0)) notify();
      });
      if (res.destroyed || req.socket.destroyed) return; // the worker is gone: never forward
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (['host', 'connection', 'content-length'].includes(name) || value === undefined) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
    const answer = await fetch(`${target}${req.url}`, {
      method: req.method ?? 'GET',
      headers,
      ...(body ? { body } : {}),
    });
    const bytes = Buffer.from(await answer.arrayBuffer());
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
    });
    res.end(bytes);
  }
}
