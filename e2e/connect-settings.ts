// Changes an app's Connect settings in the running e2e server's database, the way the operator's
// CLI does (it connects to the server's embedded database owner):
//   node --import tsx e2e/connect-settings.ts <clientId> '<json of updateConnectSettings input>'
import { updateConnectSettings } from '../lib/apps/apps';
import { operator } from '../lib/auth/caller';
import { ensureKeyFile } from '../lib/auth/encryption';
import { config } from '../lib/config';
import { closeDb } from '../lib/db/client';
import { openEmbedded } from '../lib/db/embedded/launch';

const [clientId, json] = process.argv.slice(2);
if (!clientId || !json) {
  console.error('usage: connect-settings.ts <clientId> <json>');
  process.exit(2);
}
ensureKeyFile();
const embedded = config().DATABASE_URL ? undefined : await openEmbedded(config().dataDir);
try {
  const settings = await updateConnectSettings(operator, clientId, JSON.parse(json));
  console.log(JSON.stringify(settings));
} finally {
  await closeDb();
  await embedded?.stop?.();
}
