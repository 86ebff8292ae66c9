// Keeps the edge detector's learnt state (mount, gyroscope handedness) in the outbox across restarts, so a
// device does not learn its mount again after every app or process start (a GPS-less one would miss the
// manoeuvres before its first turn each time). Saved at most every SAVE_EVERY_MS of sample time while
// recording, and always on suspend() and close(); a kill loses at most that much learning.
import type { EdgeDetector } from './core/edge.js';
import { asStorageError, type FleetwireError } from './errors.js';
import type { Outbox } from './outbox.js';

export const SAVE_EVERY_MS = 30_000;

export class DetectionMemory {
  private savedT = -Infinity;

  private constructor(
    private readonly outbox: Outbox,
    private readonly edge: EdgeDetector,
    private readonly report: (e: FleetwireError) => void,
  ) {}

  /** Null when the storage keeps no detection state (a custom storage without saveDetectionState). */
  static open(outbox: Outbox, edge: EdgeDetector, report: (e: FleetwireError) => void): DetectionMemory | null {
    if (typeof outbox.storage.saveDetectionState !== 'function') return null;
    // A state another version wrote (or garbage) is ignored: the detector learns again, as a new device does.
    if (outbox.detection) edge.restoreState(outbox.detection);
    return new DetectionMemory(outbox, edge, report);
  }

  /** Saves when `force` or SAVE_EVERY_MS of sample time passed since the last save. A failure is reported, nothing else. */
  save(force: boolean, sampleT: number): void {
    if (!force && !(sampleT - this.savedT >= SAVE_EVERY_MS)) return;
    this.savedT = sampleT;
    const bytes = this.edge.saveState();
    if (!bytes) return;
    try {
      this.outbox.storage.saveDetectionState!(bytes);
    } catch (e) {
      this.report(asStorageError(e));
    }
  }
}
