// Opens the BFF's database once (app.bffDb) and closes it after the last request.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { openBffDb } from './db.ts';

export async function bffStore(app: FastifyInstance, config: Config): Promise<void> {
  const db = openBffDb(config.bffDb, config.dataKey);
  app.decorate('bffDb', db);
  app.addHook('onClose', async () => {
    db.close();
  });
}
