// After `vite build`: a gzip copy beside every text file of dist/, which
// docketd sends to clients that accept gzip (api/web_assets.h), so the
// portal is compressed without compressing on every request.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, constants } from 'node:zlib';

const TEXT = /\.(js|mjs|css|html|svg|json|txt|map)$/;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (TEXT.test(name)) {
      const gz = gzipSync(readFileSync(path), { level: constants.Z_BEST_COMPRESSION });
      writeFileSync(path + '.gz', gz);
    }
  }
}

walk(new URL('../dist', import.meta.url).pathname);
