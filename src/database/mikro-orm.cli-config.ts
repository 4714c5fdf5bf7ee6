import { buildOrmConfig } from './mikro-orm.config.js';

/**
 * Configuration for the MikroORM CLI (`npm run migration:create` / `migration:up`), which loads the compiled
 * entities from dist/. Needs DATABASE_URL: migrations are diffed against a real schema.
 */
const clientUrl = process.env.DATABASE_URL;
if (!clientUrl) throw new Error('DATABASE_URL must be set for the MikroORM CLI');

const config = buildOrmConfig({
  clientUrl,
  poolSize: 2,
  entities: ['dist/src/**/*.entity.js'],
});

// New migrations are written as TypeScript into migrations/ and committed; they are applied from dist/ by
// `npm run migration:up` and at boot.
export default { ...config, migrations: { ...config.migrations, path: 'migrations' } };
