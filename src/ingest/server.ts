import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';

/** A listening receiver; `port` is the bound one (tests listen on 0). */
export interface Listening {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on `port` (4318 for OTLP/HTTP, 9411 for Zipkin by convention). */
export function listen(app: express.Express, port: number, host = '0.0.0.0'): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => {
      if (err) return reject(err);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        close: () => new Promise<void>((res, rej) => {
          server.closeAllConnections();
          server.close((e) => (e ? rej(e) : res()));
        }),
      });
    });
    server.once('error', reject);
  });
}
