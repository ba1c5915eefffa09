/** `npm run create-user -- EMAIL [NAME]`: creates a user (or reuses one by e-mail) and prints a new API token. */
import { loadConfig } from '../config';
import { initOrm, migrate } from '../db/orm';
import { createUserToken } from '../db/users';

async function main(): Promise<void> {
  const [email, name] = process.argv.slice(2);
  if (!email || !email.includes('@')) throw new Error('usage: npm run create-user -- EMAIL [NAME]');
  const { databaseUrl } = loadConfig();
  if (!databaseUrl) throw new Error('set DATABASE_URL (the embedded database of `npm start` prints its URL at start)');
  const orm = await initOrm(databaseUrl);
  try {
    await migrate(orm);
    const { userId, token } = await createUserToken(orm, email, name ?? email);
    console.log(`user ${userId} (${email})\ntoken: ${token}`);
  } finally {
    await orm.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
