import { migrateUrl } from '@lighthouse/migrations';
import { setTemplateName } from './config';
import { createDatabase, dropOrphanDatabases, newDatabaseName } from './postgres';

/** Once per jest run: a migrated template database that each test file copies. */
export default async function globalSetup(): Promise<void> {
  await dropOrphanDatabases();
  const name = newDatabaseName('tpl');
  const url = await createDatabase(name);
  await migrateUrl(url);
  setTemplateName(name);
}
