// The floor for bench:load: a bare Fastify route in its own process, as the app runs in its own.
// Prints its port on stdout and serves GET /ping until killed.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/ping', { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } }, async () => ({ status: 'ok' }));
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
