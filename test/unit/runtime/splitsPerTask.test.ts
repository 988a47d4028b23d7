import { describe, expect, it } from 'vitest';
import { splitsPerTaskFor } from '../../../framework/runtime/splitsPerTask.js';

const MiB = 1024 * 1024;

describe('splits per map task for a batch of files', () => {
  it('puts about 16 MiB in a task, however small the files', () => {
    for (const [count, size] of [
      [300, 1024],
      [40, MiB],
      [8, 4 * MiB],
      [3, 100 * MiB],
    ] as const) {
      const files = Array.from({ length: count }, () => ({ size }));
      const perTask = splitsPerTaskFor(files, 64 * MiB);
      // The input of one task, split by split as planning cuts them (64 MiB splits).
      const splitBytes = Math.min(size, 64 * MiB);
      const taskBytes = perTask * splitBytes;
      expect(perTask, `${count} × ${size}`).toBeGreaterThanOrEqual(1);
      expect(perTask).toBeLessThanOrEqual(1000);
      if (perTask > 1 && perTask < 1000) {
        expect(taskBytes).toBeLessThanOrEqual(16 * MiB);
        expect(taskBytes + splitBytes).toBeGreaterThan(16 * MiB);
      }
    }
    // 300 files of 1 KiB: one map task, not 300.
    expect(
      Math.ceil(
        300 /
          splitsPerTaskFor(
            Array.from({ length: 300 }, () => ({ size: 1024 })),
            64 * MiB,
          ),
      ),
    ).toBe(1);
  });
});
