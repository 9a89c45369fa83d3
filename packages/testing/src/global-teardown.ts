import { currentTemplateName, setTemplateName } from './config';
import { dropDatabase } from './postgres';

export default async function globalTeardown(): Promise<void> {
  const name = currentTemplateName();
  if (name) await dropDatabase(name);
  setTemplateName(undefined);
}
