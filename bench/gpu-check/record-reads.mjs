// Preloaded by `bench/gpu-check.sh prepare` (node --import): records every file under
// ../shared/data that the bench reads while preparing its inputs, so the device check carries
// exactly those images (the GPU machine has no ../shared). Appends one path per line to
// $SMEARSCOPE_READS_LOG.
import { appendFileSync } from 'node:fs';
import fsPromises from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { resolve } from 'node:path';

const log = process.env.SMEARSCOPE_READS_LOG;
const data = resolve('../shared/data');
const readFile = fsPromises.readFile;
fsPromises.readFile = function recordedReadFile(path, ...rest) {
  if (log && typeof path === 'string' && resolve(path).startsWith(data)) appendFileSync(log, `${resolve(path).slice(data.length + 1)}\n`);
  return readFile.call(this, path, ...rest);
};
// Named ESM imports of node:fs/promises (the bundles use them) see the patched function too.
syncBuiltinESMExports();
