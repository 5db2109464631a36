// The holder's side (wallet, authorisations, live status, history, mobile view): its services,
// built once on the app's upstream client and database, and its routes.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { createHolderServices } from '../services/authorisations.ts';
import { authorisationRoutes } from './authorisations.ts';
import { historyRoutes } from './history.ts';
import { licenseRoutes } from './licenses.ts';
import { mobileViewRoutes } from './mobile-view.ts';

export async function holderRoutes(app: FastifyInstance, config: Config): Promise<void> {
  const services = createHolderServices(app, config);
  await licenseRoutes(app, services);
  await authorisationRoutes(app, services);
  await historyRoutes(app, services);
  await mobileViewRoutes(app, services);
}
