import type { MigrationObject } from '@mikro-orm/core';
import type { Migration } from '@mikro-orm/migrations';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Jest cannot let MikroORM import migration files by path, so they are required here and handed over as classes. */
export function loadMigrations(): MigrationObject[] {
  const dir = join(__dirname, '..', '..', 'migrations');
  return readdirSync(dir)
    .filter((file) => /^Migration\d+\.ts$/.test(file))
    .sort()
    .map((file) => {
      const name = file.replace(/\.ts$/, '');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require(join(dir, file)) as Record<string, new () => Migration>;
      return { name, class: module[name] };
    });
}
