import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

function installed(): string | undefined {
  return CANDIDATES.find((path) => existsSync(path));
}

/**
 * The path of Debian's Chromium, installed with apt-get when it is missing (as
 * tests/jmeter/run-tests.sh installs JMeter): as root, or through password-less sudo.
 * `CHROMIUM_INSTALL=0` forbids installing and fails with the command to run instead.
 */
export function ensureChromium(): string {
  const found = installed();
  if (found) return found;
  const hint = 'install it with: sudo apt-get install chromium';
  if (process.env.CHROMIUM_INSTALL === '0') {
    throw new Error(
      `Chromium is not installed and CHROMIUM_INSTALL=0 forbids installing it; ${hint}`,
    );
  }
  const asRoot = process.getuid?.() === 0;
  const run = (args: string[]) =>
    execFileSync(asRoot ? 'apt-get' : 'sudo', asRoot ? args : ['-n', 'apt-get', ...args], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  process.stderr.write('Installing Chromium with apt-get (chromium)\n');
  try {
    run(['install', '-y', '-q', 'chromium']);
  } catch {
    // A fresh machine may not have package lists yet.
    try {
      run(['update', '-q']);
      run(['install', '-y', '-q', 'chromium']);
    } catch (error) {
      throw new Error(`apt-get install chromium failed (${(error as Error).message}); ${hint}`);
    }
  }
  const path = installed();
  if (!path)
    throw new Error(`apt-get installed chromium but it is not at ${CANDIDATES.join(' or ')}`);
  return path;
}
