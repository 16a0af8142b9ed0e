/**
 * A small CIFAR-10 folder that a test writes for itself, so tests of the experiment machinery need no data
 * set installed on the machine.
 *
 * The binary format is CIFAR-10's own (data_batch_1..5.bin + test_batch.bin: per record one label byte,
 * then 1024 red, 1024 green, 1024 blue bytes) with a few records per file instead of 10,000. Class k is a
 * bright square at position k of a 5×2 grid over noise, so a network can learn something in one epoch; the
 * noise is seeded, so the folder is the same every time.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/rng.js';

const PIX = 32 * 32;
const CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

function records(count: number, first: number, rng: Rng): Buffer {
  const b = Buffer.alloc(count * (1 + 3 * PIX));
  for (let r = 0; r < count; r++) {
    const label = (first + r) % 10;
    const o = r * (1 + 3 * PIX);
    b[o] = label;
    const top = 4 + 14 * Math.floor(label / 5);
    const left = 1 + 6 * (label % 5);
    for (let ch = 0; ch < 3; ch++) {
      for (let i = 0; i < 32; i++) {
        for (let j = 0; j < 32; j++) {
          const inSquare = i >= top && i < top + 10 && j >= left && j < left + 6;
          b[o + 1 + ch * PIX + i * 32 + j] = Math.floor((inSquare ? 160 : 0) + 90 * rng.uniform());
        }
      }
    }
  }
  return b;
}

/**
 * Writes a CIFAR-10 folder with `perBatch` records in each of the five training files (5·perBatch training
 * images) and `test` test images into `dir`; returns `dir`.
 */
export function writeTinyCifar10(dir: string, perBatch = 32, test = 64): string {
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(10);
  for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `data_batch_${i}.bin`), records(perBatch, (i - 1) * perBatch, rng));
  writeFileSync(join(dir, 'test_batch.bin'), records(test, 0, rng));
  writeFileSync(join(dir, 'batches.meta.txt'), CLASS_NAMES.join('\n') + '\n');
  return dir;
}
