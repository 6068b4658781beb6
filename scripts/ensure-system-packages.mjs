// Run by `npm test` before anything else: the browser tests drive Debian's Chromium, the cluster
// tests start their own redis-server on 127.0.0.1, and the test of onnxruntime-node's WebGPU EP
// needs the Vulkan loader (it runs on Chromium's SwiftShader driver). A missing one is installed with apt-get when we
// are root (CI, a fresh container); otherwise npm test stops with the one command to run.
import { execFileSync, spawnSync } from 'node:child_process';

/** What the tests need: how to find it (an override variable, else the binary) and its Debian package. */
const NEEDS = [
  { what: 'Chromium for the browser tests', binary: process.env.CHROME_PATH ?? 'chromium', override: 'CHROME_PATH', pkg: 'chromium' },
  {
    what: 'redis-server for the cluster tests',
    binary: process.env.REDIS_SERVER ?? 'redis-server',
    override: 'REDIS_SERVER',
    pkg: 'redis-server',
  },
];

const works = (binary) => spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0;
// The bench's NumPy/SciPy peer (bench/preprocess-peer.py; the bench-schema test runs it): Debian's
// Python with both modules, not a binary of its own.
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const importsNumpyAndScipy = () => spawnSync(PYTHON, ['-c', 'import numpy, scipy'], { stdio: 'ignore' }).status === 0;
const PYTHON_NEED = { what: "NumPy and SciPy for the bench's NumPy peer", override: 'BENCH_PYTHON', pkg: 'python3-numpy python3-scipy' };
// Dawn in onnxruntime-node opens libvulkan.so.1; without it the EP finds no adapter at all.
const hasVulkanLoader = () => /libvulkan\.so\.1\b/.test(spawnSync('ldconfig', ['-p'], { encoding: 'utf8' }).stdout ?? '');
const VULKAN_NEED = { what: "the Vulkan loader for onnxruntime-node's WebGPU EP test", override: 'VK_ICD_FILENAMES', pkg: 'libvulkan1' };
const available = (need) => (need === PYTHON_NEED ? importsNumpyAndScipy() : need === VULKAN_NEED ? hasVulkanLoader() : works(need.binary));
NEEDS.push(PYTHON_NEED, VULKAN_NEED);
const missing = NEEDS.filter((need) => !available(need));
if (missing.length > 0) {
  const packages = missing.flatMap((need) => need.pkg.split(' '));
  const canInstall = process.getuid?.() === 0 && works('apt-get');
  if (canInstall) {
    process.stderr.write(`installing Debian's ${packages.join(' and ')} (${missing.map((need) => need.what).join('; ')})\n`);
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
      execFileSync('apt-get', ['install', '-y', '-qq', ...packages], {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch {
      // reported below
    }
  }
  const still = missing.filter((need) => !available(need));
  if (still.length > 0) {
    process.stderr.write(
      `npm test needs ${still.map((need) => need.what).join(' and ')}. Run:\n\n  sudo apt-get install -y ${still.map((need) => need.pkg).join(' ')}\n\n` +
        `(or set ${still.map((need) => need.override).join(' / ')} to the binary).\n`,
    );
    process.exit(1);
  }
}
