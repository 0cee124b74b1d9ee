/**
 * Jaeger's sampling endpoints: `GET /api/sampling?service=` beside the query API (as Jaeger's
 * collector serves it) and `GET /sampling?service=` on the agent's port 5778. Answers as
 * Jaeger's handler does: the strategy as JSON, 400 in plain text without exactly one
 * `service`, 500 naming the failure.
 */
import express from 'express';
import type { Request, Response } from 'express';
import { listen, type Listening } from '../ingest/server.ts';
import { createLogger } from '../util/log.ts';
import type { RemoteSampling } from '../sampling/remote/provider.ts';
import { strategyJson } from '../sampling/remote/strategies.ts';

const log = createLogger('sampling.remote.http');

function handler(remote: RemoteSampling): (req: Request, res: Response) => Promise<void> {
  return async (req, res) => {
    const service = req.query['service'];
    if (service === undefined || service === '') {
      res.status(400).type('text/plain').send("'service' parameter must be provided");
      return;
    }
    if (typeof service !== 'string') {
      res.status(400).type('text/plain').send("'service' parameter must occur only once");
      return;
    }
    try {
      res.status(200).type('application/json').send(strategyJson(await remote.strategy(service)));
    } catch (err) {
      log.warn('sampling strategy failed', { service }, err);
      res.status(500).type('text/plain').send(`collector error: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}

/** `path` answers GET; other methods 405. */
export function samplingRouter(remote: RemoteSampling, path: string): express.Router {
  const router = express.Router();
  router.get(path, handler(remote));
  router.all(path, (_req, res) => {
    res.set('Allow', 'GET').status(405).type('text/plain').send(`only GET is supported on ${path}`);
  });
  return router;
}

/** Port 5778: `/sampling` only; anything else is a plain-text 404. */
export function listenSamplingPort(remote: RemoteSampling, port: number, host: string): Promise<Listening> {
  const app = express();
  app.disable('x-powered-by');
  app.use(samplingRouter(remote, '/sampling'));
  app.use((req, res) => {
    res.status(404).type('text/plain').send(`no endpoint ${req.method} ${req.path} (use GET /sampling?service=NAME)`);
  });
  return listen(app, port, host);
}
