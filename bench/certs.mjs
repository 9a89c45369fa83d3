// A throwaway PKI for the realistic mix: root CA → intermediate CA → two leaves (ECDSA P-256,
// RSA-2048), made with the openssl CLI in a temporary directory. Servers send leaf +
// intermediate, clients trust the root alone, so every handshake verifies a two-link chain as
// with public CAs. The shapes follow Let's Encrypt's (RSA-2048 intermediate under its root).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DAYS = '3';

function openssl(dir, args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Signs `name.csr` with the CA `ca` (`ca.crt`/`ca.key`) and the extensions given. */
function sign(dir, name, ca, extensions) {
  writeFileSync(join(dir, `${name}.ext`), `${extensions.join('\n')}\n`);
  openssl(dir, [
    'x509',
    '-req',
    ...['-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`],
    // a random serial, no serial file left behind
    ...[
      '-set_serial',
      `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e9).toString(16)}`,
    ],
    ...['-days', DAYS, '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`],
  ]);
}

function request(dir, name, subject, keyArgs) {
  openssl(dir, [
    'req',
    '-new',
    ...['-newkey', ...keyArgs],
    '-nodes',
    ...['-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject],
  ]);
}

/**
 * Makes the PKI in `dir` (a fresh mkdtemp directory when omitted). Returns the file paths:
 * `rootCa` (the only certificate clients trust), per leaf kind `{ key, chain }` (chain = leaf
 * + intermediate, what servers send), and `cleanup()` which removes the directory.
 */
export function makeCerts(dir = mkdtempSync(join(tmpdir(), 'lh-bench-pki-'))) {
  const EC = ['ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  const RSA = ['rsa:2048'];
  try {
    openssl(dir, [
      'req',
      '-x509',
      ...['-newkey', ...RSA],
      '-nodes',
      ...['-keyout', 'root.key', '-out', 'root.crt', '-days', DAYS, '-sha256'],
      ...['-subj', '/O=Lighthouse bench/CN=Lighthouse bench root'],
      ...['-addext', 'basicConstraints=critical,CA:TRUE'],
      ...['-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    ]);
    request(dir, 'intermediate', '/O=Lighthouse bench/CN=Lighthouse bench intermediate', RSA);
    sign(dir, 'intermediate', 'root', [
      'basicConstraints=critical,CA:TRUE,pathlen:0',
      'keyUsage=critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid:always',
    ]);
    const leaf = (name, keyArgs, keyUsage) => {
      request(dir, name, '/CN=localhost', keyArgs);
      sign(dir, name, 'intermediate', [
        'basicConstraints=critical,CA:FALSE',
        `keyUsage=critical,${keyUsage}`,
        'extendedKeyUsage=serverAuth',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        'subjectKeyIdentifier=hash',
        'authorityKeyIdentifier=keyid:always',
      ]);
      const chain = join(dir, `${name}-chain.crt`);
      writeFileSync(
        chain,
        readFileSync(join(dir, `${name}.crt`), 'utf8') +
          readFileSync(join(dir, 'intermediate.crt'), 'utf8'),
      );
      return { key: join(dir, `${name}.key`), chain };
    };
    return {
      dir,
      rootCa: join(dir, 'root.crt'),
      ecdsa: leaf('ecdsa', EC, 'digitalSignature'),
      rsa: leaf('rsa', RSA, 'digitalSignature,keyEncipherment'),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = err?.stderr?.toString().trim();
    throw new Error(`openssl failed: ${stderr || (err instanceof Error ? err.message : err)}`);
  }
}

/** The files of a PKI made earlier in `dir` (by another process's `makeCerts(dir)`). */
export function certsIn(dir) {
  return {
    dir,
    rootCa: join(dir, 'root.crt'),
    ecdsa: { key: join(dir, 'ecdsa.key'), chain: join(dir, 'ecdsa-chain.crt') },
    rsa: { key: join(dir, 'rsa.key'), chain: join(dir, 'rsa-chain.crt') },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
