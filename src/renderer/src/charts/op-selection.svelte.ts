/**
 * The op picked in one chart (the op table, the roofline) and highlighted in the others (the timeline).
 * One results view is on screen at a time, so one selection serves them all without threading it
 * through every parent view.
 */
export interface OpSelection {
  /** `${variantId}@${ep}`: the lane (run) the op belongs to. */
  laneKey: string;
  /** Index into that run's ops. */
  opIndex: number;
}

class SelectedOp {
  current = $state<OpSelection | null>(null);

  select(selection: OpSelection | null): void {
    this.current = selection;
  }

  is(laneKey: string, opIndex: number): boolean {
    return this.current !== null && this.current.laneKey === laneKey && this.current.opIndex === opIndex;
  }
}

export const selectedOp = new SelectedOp();
