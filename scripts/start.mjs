// `npm start`: install what is missing, build, and serve the app on localhost.
import { buildSite, ensureNpmPackages } from './setup.mjs';
import { serveStatic } from './serve.mjs';

ensureNpmPackages();
buildSite();
const { url } = await serveStatic({ port: Number(process.env.PORT ?? 4173) });
console.log(`\nModel Shelf is being served at ${url}  (Ctrl+C to stop)`);
