// Preloaded by `npm run bench:api -- --cpu-prof DIR` into the processes it measures, the embedded
// owner included (through NODE_OPTIONS, which refuses --cpu-prof itself): profiles the whole life of
// the process with V8's sampling profiler and writes <DIR>/<script>-<pid>.cpuprofile when it exits.
// Plain JavaScript because it loads before tsx does.
import fs from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // An in-process session answers synchronously, so this runs before the process is gone.
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      const script = path.basename(process.argv[1] ?? 'node').replace(/\.[^.]+$/, '');
      fs.writeFileSync(path.join(dir, `${script}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
