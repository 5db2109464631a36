// The holder's side (wallet, authorisations, live status, history, mobile view): its services,
// built once by services/holder-services.ts (app.holderServices), and its routes.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ServiceCapabilitiesSchema } from '../../contract/bff-session.ts';
import { authorisationRoutes } from './authorisations.ts';
import { historyRoutes } from './history.ts';
import { Errors } from '../../contract/error-body.ts';
import { licenseRoutes } from './licenses.ts';
import { noStoreHook } from './route-kit.ts';
import { mobileViewRoutes } from './mobile-view.ts';

export async function holderRoutes(app: FastifyInstance): Promise<void> {
  const services = app.holderServices;
  await licenseRoutes(app, services);
  await authorisationRoutes(app, services);
  await historyRoutes(app, services);
  await mobileViewRoutes(app, services);

  // Beside /api/session: what this upstream can do, so the page offers nothing it cannot.
  app.withTypeProvider<TypeBoxTypeProvider>().get('/api/capabilities', {
    preHandler: app.requireSession(),
    onRequest: noStoreHook,
    schema: { response: { 200: ServiceCapabilitiesSchema, ...Errors } },
  }, async () => services.capabilities());
}
