import { TEMPLATE_ENV } from './config';
import { dropDatabase } from './postgres';

export default async function globalTeardown(): Promise<void> {
  const name = process.env[TEMPLATE_ENV];
  if (name) await dropDatabase(name);
}
