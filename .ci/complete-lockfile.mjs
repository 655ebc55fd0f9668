// Adds lockfile entries for other platforms' optional native packages (next's SWC, Tailwind's
// oxide, rollup) that this machine's registry mirror does not serve: `npm install` leaves them out,
// and `npm ci` then refuses the lockfile as out of sync. Each entry names the version its parent
// pins and the platform it is for, so npm skips it here and fetches it on that platform.
// Run after changing dependencies: node .ci/complete-lockfile.mjs
import fs from 'node:fs';

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const packages = lock.packages;

const PLATFORMS = [
  [/-(android)-/, 'android'], [/-(darwin)-/, 'darwin'], [/-(freebsd)-/, 'freebsd'], [/-(openbsd)-/, 'openbsd'],
  [/-(openharmony)-/, 'openharmony'], [/-(win32)-/, 'win32'], [/-(linux)-/, 'linux'],
];
const CPUS = [['arm64', 'arm64'], ['x64', 'x64'], ['ia32', 'ia32'], ['arm-', 'arm'], ['loong64', 'loong64'], ['ppc64', 'ppc64'], ['riscv64', 'riscv64'], ['s390x', 's390x'], ['wasm32', 'wasm32']];

function platformOf(name) {
  const os = PLATFORMS.find(([pattern]) => pattern.test(name))?.[1];
  const cpu = CPUS.find(([part]) => name.includes(`-${part}`))?.[1];
  const libc = name.includes('musl') ? 'musl' : name.includes('-gnu') ? 'glibc' : undefined;
  return { ...(os ? { os: [os] } : {}), ...(cpu ? { cpu: [cpu] } : {}), ...(libc ? { libc: [libc] } : {}) };
}

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (packages[key] || packages[`${location}/node_modules/${name}`]) continue;
    if (!/^\d+\.\d+\.\d+/.test(spec)) continue; // only exact pins, which every native package uses
    packages[key] = { version: spec, optional: true, ...platformOf(name) };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
fs.writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`complete-lockfile: added ${added} entries for other platforms.`);
