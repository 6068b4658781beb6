// Run by `npm test` before vitest: the cluster tests start their own redis-server on 127.0.0.1.
// When it is missing, install Debian's package if we are root with apt-get (as .ci/run does),
// else stop with the one command to run.
import { execFileSync, spawnSync } from 'node:child_process';

const server = process.env.REDIS_SERVER ?? 'redis-server';
const found = () => spawnSync(server, ['--version'], { stdio: 'ignore' }).status === 0;

if (!found()) {
  const canInstall = process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (canInstall) {
    process.stderr.write('redis-server is missing: installing Debian\'s redis-server for the cluster tests\n');
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
      execFileSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } catch {
      // reported below
    }
  }
  if (!found()) {
    process.stderr.write('npm test needs redis-server for the cluster tests. Run:\n\n  sudo apt-get install -y redis-server\n\n' +
      '(or set REDIS_SERVER to a redis-server binary). The tests start their own on 127.0.0.1 and stop it.\n');
    process.exit(1);
  }
}
