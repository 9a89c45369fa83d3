import { randomBytes } from 'node:crypto';
import { createSecretBox, hashToken, newToken, safeEqual } from './crypto';

describe('secret box', () => {
  const box = createSecretBox(randomBytes(32));

  it('round-trips and never repeats a ciphertext', () => {
    const a = box.seal('hunter2');
    const b = box.seal('hunter2');
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
    expect(box.open(a)).toBe('hunter2');
    expect(box.openJson(box.sealJson({ token: 't', n: 1 }))).toEqual({ token: 't', n: 1 });
  });

  it('refuses tampered data and other keys', () => {
    const sealed = box.seal('secret');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(() => box.open(`v1:${raw.toString('base64')}`)).toThrow();
    expect(() => createSecretBox(randomBytes(32)).open(sealed)).toThrow();
    expect(() => box.open('v0:abc')).toThrow(/format/);
  });

  it('requires a 32-byte key', () => {
    expect(() => createSecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('tokens', () => {
  it('are prefixed, unique and hashed to 32 bytes', () => {
    const a = newToken('lhs');
    expect(a).toMatch(/^lhs_[A-Za-z0-9_-]{43}$/);
    expect(newToken('lhs')).not.toBe(a);
    expect(hashToken(a)).toHaveLength(32);
    expect(hashToken(a).equals(hashToken(a))).toBe(true);
    expect(safeEqual(a, a)).toBe(true);
    expect(safeEqual(a, `${a}x`)).toBe(false);
  });
});
