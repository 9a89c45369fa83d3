import { isIP as nodeIsIP } from 'node:net';
import { isIP } from './ip';

const cases: [string, 0 | 4 | 6][] = [
  ['127.0.0.1', 4],
  ['0.0.0.0', 4],
  ['255.255.255.255', 4],
  ['256.1.1.1', 0],
  ['01.2.3.4', 0],
  ['1.2.3', 0],
  ['1.2.3.4.', 0],
  [' 1.2.3.4', 0],
  ['::', 6],
  ['::1', 6],
  ['1::', 6],
  ['2001:db8::1', 6],
  ['2001:DB8:0:0:0:0:0:1', 6],
  ['1:2:3:4:5:6:7:8', 6],
  ['1:2:3:4:5:6:7::', 6],
  ['::2:3:4:5:6:7:8', 6],
  ['1:2:3:4:5:6:7:8::', 0],
  ['1:2:3:4:5:6:7', 0],
  ['1::2::3', 0],
  [':::', 0],
  [':1::', 0],
  ['12345::', 0],
  ['::ffff:192.0.2.1', 6],
  ['1:2:3:4:5:6:1.2.3.4', 6],
  ['1:2:3:4:5::1.2.3.4', 6],
  ['1:2:3:4:5:6:7:1.2.3.4', 0],
  ['1.2.3.4::', 0],
  ['::1.2.3.4:1', 0],
  ['fe80::1%eth0', 6],
  ['fe80::1%', 0],
  ['fe80::1%a%b', 0],
  ['1.2.3.4%eth0', 0],
  ['[::1]', 0],
  ['example.com', 0],
  ['', 0],
];

/** A small deterministic generator of address-like text (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '',
  '0',
  '1',
  '9',
  '25',
  '199',
  '255',
  '256',
  '01',
  'ff',
  'FFFF',
  'abcd',
  '12345',
  'g',
];
const GLUE = ['.', ':', '::', '%', 'e', '.', ':'];
const NUMBERS = ['0', '7', '10', '99', '100', '249', '250', '255', '256', '300', '00', '08'];

describe('isIP', () => {
  it.each(cases)('%j is %i', (text, family) => {
    expect(isIP(text)).toBe(family);
    expect(nodeIsIP(text)).toBe(family);
  });

  it("answers as node:net's isIP for generated address-like text", () => {
    const next = random(20);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
    const differences: string[] = [];
    const families = { 0: 0, 4: 0, 6: 0 };
    for (let i = 0; i < 50_000; i++) {
      let text = pick(PIECES);
      const parts = 1 + Math.floor(next() * 10);
      for (let p = 0; p < parts; p++) text += pick(GLUE) + pick(PIECES);
      // dotted quads, alone or after IPv6 groups
      const quad = [0, 1, 2, 3].map(() => pick(NUMBERS)).join(next() < 0.9 ? '.' : ':');
      for (const candidate of [text, quad, `${text}:${quad}`]) {
        families[nodeIsIP(candidate) as 0 | 4 | 6] += 1;
        if (isIP(candidate) !== nodeIsIP(candidate)) differences.push(candidate);
      }
    }
    expect(differences).toEqual([]);
    // the text reaches every answer often enough to mean something
    expect(Math.min(families[0], families[4], families[6])).toBeGreaterThan(1_000);
  });
});
