// Removes what a bench run leaves behind when the bench dies without cleaning up — for example a
// Ctrl-C while it is busy seeding: tsx's launcher SIGKILLs a child that does not acknowledge a signal
// within 30 ms. Started detached (out of reach of the Ctrl-C); the bench tells it over IPC what to
// remove and says `done` once it cleaned up itself. If the channel closes first, the janitor cleans.
import fs from 'node:fs';
import { liveOwner } from '../db/embedded/lock';
import { dropScratchDatabase } from '../testing/scratch-database';

export type Chore =
  | { kind: 'folder'; path: string }
  | { kind: 'database'; adminUrl: string; name: string };

type Message = Chore | { kind: 'done' };

const chores: Chore[] = [];
let done = false;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function clean() {
  for (const chore of chores) {
    try {
      if (chore.kind === 'folder') {
        // The owner stops itself when its launcher's channel closes; wait for it to let go.
        await pause(2_000);
        const deadline = Date.now() + 60_000;
        while (liveOwner(chore.path) && Date.now() < deadline) await pause(200);
        // An owner that cannot stop (see the bench's clean-up) is this run's own: end it.
        const stuck = liveOwner(chore.path);
        if (stuck) process.kill(stuck.pid, 'SIGKILL');
        fs.rmSync(chore.path, { recursive: true, force: true });
        console.error(`bench janitor: removed ${chore.path}`);
      } else {
        await dropScratchDatabase(chore.adminUrl, chore.name);
        console.error(`bench janitor: dropped database ${chore.name}`);
      }
    } catch (error) {
      console.error(`bench janitor: ${(error as Error).message}`);
    }
  }
}

process.on('message', (message: Message) => {
  if (message.kind === 'done') done = true;
  else chores.push(message);
});
process.on('disconnect', () => {
  if (done) process.exit(0);
  void clean().finally(() => process.exit(0));
});
process.send?.({ ready: true });
